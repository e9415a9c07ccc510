"""Reporting."""


def weekly_summary(week: str) -> str:
    return week
