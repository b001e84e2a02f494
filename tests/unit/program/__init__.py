"""Unit tests of the program: the `liaison-bot` command's setup, doctor and backup."""
