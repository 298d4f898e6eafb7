"""The default price table and the cost of one call, in integer nano-dollars.

Prices are US dollars per one million tokens, as providers publish them (list prices checked
in 2025; they change — override any of them with ``COLMEIA_LLM__PRICES`` or a registry entry's
``price``). Costs are kept as integer nano-dollars (1e-9 USD) so sums are exact on every
database: one token at $0.15 per million is 150 nano-dollars.

Unknown models cost 0 and the usage row says the price was unknown, rather than guessing.
The simulated LLM's models carry a nominal, clearly fictitious price so cost accounting is
visible in development.
"""

from __future__ import annotations

from dataclasses import dataclass

from colmeia.llm.settings import Price

NANOS_PER_USD = 1_000_000_000

DEFAULT_PRICES: dict[str, Price] = {
    # OpenAI
    "gpt-4o": Price(input=2.50, output=10.00, cached_input=1.25),
    "gpt-4o-mini": Price(input=0.15, output=0.60, cached_input=0.075),
    "gpt-4.1": Price(input=2.00, output=8.00, cached_input=0.50),
    "gpt-4.1-mini": Price(input=0.40, output=1.60, cached_input=0.10),
    "gpt-4.1-nano": Price(input=0.10, output=0.40, cached_input=0.025),
    "gpt-5": Price(input=1.25, output=10.00, cached_input=0.125),
    "gpt-5-mini": Price(input=0.25, output=2.00, cached_input=0.025),
    "gpt-5-nano": Price(input=0.05, output=0.40, cached_input=0.005),
    "o3": Price(input=2.00, output=8.00, cached_input=0.50),
    "o4-mini": Price(input=1.10, output=4.40, cached_input=0.275),
    # Anthropic
    "claude-opus-4-1": Price(input=15.00, output=75.00, cached_input=1.50),
    "claude-sonnet-4-5": Price(input=3.00, output=15.00, cached_input=0.30),
    "claude-sonnet-4-0": Price(input=3.00, output=15.00, cached_input=0.30),
    "claude-3-7-sonnet-latest": Price(input=3.00, output=15.00, cached_input=0.30),
    "claude-haiku-4-5": Price(input=1.00, output=5.00, cached_input=0.10),
    "claude-3-5-haiku-latest": Price(input=0.80, output=4.00, cached_input=0.08),
    # The simulated LLM (fictitious, so development shows non-zero costs)
    "sim-small": Price(input=0.10, output=0.40, cached_input=0.05),
    "sim-large": Price(input=1.00, output=4.00, cached_input=0.50),
}


@dataclass(frozen=True, slots=True)
class TokenCounts:
    input: int
    output: int
    cached_input: int = 0
    """Part of ``input`` served from the provider's prompt cache."""


def price_for(model_name: str, overrides: dict[str, Price]) -> Price | None:
    """The price of ``model_name`` (``provider:model`` or bare), overrides first."""
    bare = model_name.split(":", 1)[1] if ":" in model_name else model_name
    for table in (overrides, DEFAULT_PRICES):
        for key in (model_name, bare):
            if key in table:
                return table[key]
    return None


def cost_nusd(price: Price | None, tokens: TokenCounts) -> int:
    """What ``tokens`` cost at ``price``, in nano-dollars (0 for an unknown price)."""
    if price is None:
        return 0
    cached = min(tokens.cached_input, tokens.input)
    cached_rate = price.input if price.cached_input is None else price.cached_input
    # price per 1M tokens × tokens / 1M × 1e9 nanos = price × tokens × 1000
    total = (
        price.input * (tokens.input - cached) + cached_rate * cached + price.output * tokens.output
    )
    return round(total * 1000)
