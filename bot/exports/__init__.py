"""Spreadsheets for the committee: the one exporter skeleton and the .xlsx/.csv writers."""
