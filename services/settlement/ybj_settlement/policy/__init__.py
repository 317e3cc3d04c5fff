"""Settlement policy parameters (总控, 保证金, 集采结余奖励, 预付金 coefficients) as data files, loaded and checked at import."""
