"""Pay-gap metrics: raw gaps from published cells, adjusted gaps from regression moments."""
