"""Unit tests, one package per layer or capability, laid out like the code."""
