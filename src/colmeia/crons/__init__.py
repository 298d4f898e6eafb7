"""Crons: runs created on a schedule (``client.crons``)."""
