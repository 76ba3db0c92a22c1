"""Thin HTTP routes: parse, call the domain once, render."""
