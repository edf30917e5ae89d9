"""What a method gives on real data: the DDPM by size, the filters, zero-shot training."""
