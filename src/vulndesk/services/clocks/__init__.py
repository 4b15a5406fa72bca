"""Clocks: obligations computed from facts, the rules in force, options, waivers and what-if."""
