"""Benchmark instance readers and harness. Instances become ordinary ``routing`` models."""
