"""The forecasting app's input and lookup errors (no imports): selectors and the hiring plan raise them,
views and the API turn them into 4xx responses; ``forecasts.selectors`` re-exports both."""


class ForecastInputError(ValueError):
    """Unknown metric/level/key or an out-of-range argument; the message names the valid values."""


class NoForecastError(LookupError):
    """No completed forecast run covers the requested series."""
