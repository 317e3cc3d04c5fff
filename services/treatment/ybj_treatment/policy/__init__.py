"""Benefit policy parameters (起付线, 自付比例, 先行自付比例, 封顶线) as data files, loaded and checked at import."""
