"""The offline demo snapshot (synthetic, labelled DEMO) in SSB PxWebApi v2 format."""

from pipeline.demo.snapshot import DEMO_LABEL, generate_demo_snapshot

__all__ = ["DEMO_LABEL", "generate_demo_snapshot"]
