"""Model training."""


def fit(epochs: int = 10) -> str:
    return "model"


def evaluate(model: str) -> float:
    return 0.0
