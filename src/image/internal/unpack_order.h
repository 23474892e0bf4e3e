#pragma once
// Which layer of a pull may be unpacked when (image_pull.cpp), as plain logic without threads
// (unit-tested with fakes). Private to the image module.
//
// Overlay snapshots stack: layer N's snapshot is named by a chain id that includes every layer
// below it, and the snapshotter unpacks it on top of N-1's. So layers are unpacked strictly in
// order, and layer N may start once its own blob is in the content store (downloaded and its
// digest verified, or there before the pull): layers 0..N-1 were unpacked before it, which
// needed their blobs. Downloads finish in any order; a layer listed twice (same digest) becomes
// available once for both places.

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace wharf::image::internal {

class LayerUnpackOrder {
 public:
  // `layerDigests` bottom-most first; `present`: the digests already in the content store.
  LayerUnpackOrder(std::vector<std::string> layerDigests, std::set<std::string> present)
      : layers_(std::move(layerDigests)), available_(std::move(present)) {}

  // A blob is in the store now (committed, so verified).
  void markAvailable(const std::string& digest) { available_.insert(digest); }

  // The index of the next layer to unpack if it may start now, else nullopt (its blob is not
  // there yet, or every layer was handed out). Each index is handed out once, in order.
  std::optional<size_t> takeNext() {
    if (next_ >= layers_.size() || !available_.count(layers_[next_])) return std::nullopt;
    return next_++;
  }

  // How many layers were handed out; all of them when finished().
  size_t taken() const { return next_; }
  bool finished() const { return next_ >= layers_.size(); }

 private:
  std::vector<std::string> layers_;
  std::set<std::string> available_;
  size_t next_ = 0;
};

}  // namespace wharf::image::internal
