"""HTML sections of the impact report, each rendered from the frozen evaluation."""
