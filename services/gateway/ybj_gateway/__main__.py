"""Run the gateway service: `python -m ybj_gateway serve|relay`."""

from ybj_gateway.application import GatewayApplication
from ybj_gateway.wiring import gateway_routes
from ybj_kernel.entrypoints.service_main import main

if __name__ == "__main__":
    main(GatewayApplication, routers=(gateway_routes,))
