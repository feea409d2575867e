"""Sessions: batch answering into a resumable run file, and multi-turn chat."""
