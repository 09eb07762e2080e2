"""Opens an OME-Zarr image served by strata's /zarr endpoint with zarr-python 3
and prints, as JSON, its OME version, level-0 shape and the SHA-256 of every
plane (t, c, z) as little-endian bytes."""
import hashlib
import json
import sys

import numpy as np
import zarr
from zarr.storage import FsspecStore

url, token = sys.argv[1], sys.argv[2]
headers = {"Authorization": f"Bearer {token}"} if token else {}
store = FsspecStore.from_url(url, read_only=True, storage_options={"client_kwargs": {"headers": headers}})
group = zarr.open_group(store, mode="r")
level0 = group["0"]
data = level0[...]
planes = {}
for t in range(data.shape[0]):
    for c in range(data.shape[1]):
        for z in range(data.shape[2]):
            plane = np.ascontiguousarray(data[t, c, z]).astype(data.dtype.newbyteorder("<"))
            planes[f"{t},{c},{z}"] = hashlib.sha256(plane.tobytes()).hexdigest()
print(json.dumps({"ome": group.attrs["ome"]["version"], "shape": list(data.shape), "planes": planes}))
