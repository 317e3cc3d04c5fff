"""The convenience-service gateway (便民服务集成平台): channel admission (P092), the channel registry, verified requests."""
