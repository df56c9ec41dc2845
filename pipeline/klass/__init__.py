"""KLASS classifications 131 (municipalities) and 104 (counties): client, shipped snapshot, crosswalks."""

from pipeline.klass.client import COUNTIES, MUNICIPALITIES, KlassClient, KlassError, snapshot_klass
from pipeline.klass.crosswalk import CrosswalkError, crosswalk, crosswalk_frame, load_klass, populations

__all__ = ["COUNTIES", "MUNICIPALITIES", "CrosswalkError", "KlassClient", "KlassError", "crosswalk",
           "crosswalk_frame", "load_klass", "populations", "snapshot_klass"]
