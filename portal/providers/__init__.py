"""Kundval under LOV: the provider catalogue per service, the citizen's choice of utförare for a granted
insats, and what utförare staff may see of the cases their provider serves."""
