"""Analyses behind the study's design: noise, budgets, levers, simulated designs and what each part costs."""
