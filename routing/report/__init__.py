"""Reports: plan.json, stops.csv, console summaries, and the comparison tables, workbook and charts."""

from routing.report.plan_json import plan_to_dict, read_plan_json, routes_from_dict, routes_to_dict, write_plan_json
from routing.report.tables import stops_csv, summary_table, write_stops_csv

__all__ = [
    "plan_to_dict",
    "read_plan_json",
    "routes_from_dict",
    "routes_to_dict",
    "stops_csv",
    "summary_table",
    "write_plan_json",
    "write_stops_csv",
]
