"""Opens a strata OME-Zarr image with zarr-python 3 and reports what it sees as JSON.

Usage: python read_ome_zarr.py IMAGE_DIR
Prints: zarr version, OME version, axes, dataset paths and their scales,
consolidated keys, per-level shape/shards/chunks/dimension names/inner codec
names, channel labels, and the SHA-256 of every plane of every level (as
little-endian bytes).
"""

import hashlib
import json
import sys

import numpy as np
import zarr


def main(path: str) -> None:
    # use_consolidated=True: fail unless the group carries consolidated metadata.
    group = zarr.open_group(path, mode="r", use_consolidated=True)
    consolidated = group.metadata.consolidated_metadata
    if consolidated is None:
        raise SystemExit("no consolidated metadata")
    ome = group.attrs["ome"]
    multiscale = ome["multiscales"][0]
    out = {
        "zarr_version": zarr.__version__,
        "ome_version": ome["version"],
        "axes": [axis["name"] for axis in multiscale["axes"]],
        "datasets": [d["path"] for d in multiscale["datasets"]],
        "scales": [
            [t["scale"] for t in d["coordinateTransformations"] if t["type"] == "scale"][0]
            for d in multiscale["datasets"]
        ],
        "consolidated": sorted(consolidated.metadata.keys()),
        "labels": [ch["label"] for ch in ome["omero"]["channels"]],
        "levels": {},
    }
    for path in out["datasets"]:
        array = group[path]
        data = array[...]
        le = data.astype(data.dtype.newbyteorder("<"), copy=False)
        planes = {}
        for t in range(data.shape[0]):
            for c in range(data.shape[1]):
                for z in range(data.shape[2]):
                    plane = np.ascontiguousarray(le[t, c, z])
                    planes[f"{t},{c},{z}"] = hashlib.sha256(plane.tobytes()).hexdigest()
        out["levels"][path] = {
            "shape": list(array.shape),
            "shards": list(array.shards) if array.shards else None,
            "chunks": list(array.chunks),
            "dtype": str(array.dtype),
            "dimension_names": list(array.metadata.dimension_names or []),
            # The codecs inside sharding_indexed, as zarr-python understood them.
            "inner_codecs": [
                c["name"] for c in array.metadata.to_dict()["codecs"][0]["configuration"]["codecs"]
            ],
            "planes": planes,
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
