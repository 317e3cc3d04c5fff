"""An example channel: calls one service item of the gateway through the SDK and prints the answer.

    python -m ybj_channel.example --new-key-file channel-key.json      # a key pair to put in the 接入申请
    python -m ybj_channel.example --base-url http://127.0.0.1:8090 --app-id zyybwxgzh --key-file channel-key.json \\
        --item 68 --business '{"psn_cert_type": "01", "certno": "...", "psn_name": "..."}'
    python -m ybj_channel.example --base-url ... --app-id ... --key-file ... --list

The key file is JSON: {"private_key": 64 hex, "public_key": 128 hex, "sm4_key": 32 hex or absent,
"platform_public_key": 128 hex}; the last two come from the provisioning notice (开通通知).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import httpx

from ybj_channel.client import ChannelClient, ChannelRefused
from ybj_channel.envelope import EnvelopeError
from ybj_channel.keys import is_public_key, new_sm2_keypair, normalise_public_key


def main(argv: list[str] | None = None, http: httpx.Client | None = None) -> int:
    """Run the example (`http` for tests); the exit status is 0 for an answer, 1 for a refusal or an unusable answer."""
    args = _parser().parse_args(argv)
    if args.new_key_file:
        return _new_key_file(Path(args.new_key_file))
    if not (args.base_url and args.app_id and args.key_file):
        _parser().error("--base-url, --app-id and --key-file are needed to call the gateway")
    key = json.loads(Path(args.key_file).read_text(encoding="utf-8"))
    platform_key = normalise_public_key(args.platform_key or key.get("platform_public_key", ""))
    if not is_public_key(platform_key):
        _parser().error("the platform's public key (platform_public_key in the key file, or --platform-key) is needed")
    sm4_key = bytes.fromhex(key["sm4_key"]) if key.get("sm4_key") else None
    with ChannelClient(
        args.base_url, args.app_id, key["private_key"], key["public_key"], sm4_key, platform_key, http
    ) as client:
        try:
            answer: Any = client.items() if args.list else client.call(args.item, json.loads(args.business))
        except ChannelRefused as refused:
            print(f"refused {refused.code} (HTTP {refused.http_status}): {refused.message_zh} / {refused.message_en}")
            return 1
        except EnvelopeError as error:
            print(f"unusable answer {error.code}: {error.message_en}")
            return 1
        except httpx.HTTPError as error:
            print(f"cannot reach the gateway at {args.base_url}: {error}")
            return 1
    print(json.dumps(answer, ensure_ascii=False, indent=2))
    return 0


def _new_key_file(path: Path) -> int:
    private_key, public_key = new_sm2_keypair()
    path.write_text(json.dumps({"private_key": private_key, "public_key": public_key}, indent=2) + "\n")
    path.chmod(0o600)
    print(f"wrote {path}; the public key for the 接入申请 is\n{public_key}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ybj_channel.example", description="Call one service item of the gateway."
    )
    parser.add_argument("--base-url", help="the gateway, e.g. http://127.0.0.1:8090")
    parser.add_argument("--app-id", help="the channel's appId from the provisioning notice")
    parser.add_argument("--key-file", help="JSON key file (see the module docstring)")
    parser.add_argument("--platform-key", help="the platform's public key, 128 hex digits (else from the key file)")
    parser.add_argument("--item", type=int, default=68, help="the service item number (default 68, a query item)")
    parser.add_argument("--business", default="{}", help="the business data as a JSON object")
    parser.add_argument("--list", action="store_true", help="list the service items instead of calling one")
    parser.add_argument("--new-key-file", help="write a new SM2 key pair to this file and stop")
    return parser


if __name__ == "__main__":
    sys.exit(main())
