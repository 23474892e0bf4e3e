// ImageService::collectGarbage: mark and sweep over the content store and the snapshotter
// (containerd's metadata/gc model; docs/storage.md "Garbage collection").

#include <set>

#include "common/log.h"
#include "image/image_service.h"

namespace wharf::image {

Result<ImageService::GcReport> ImageService::collectGarbage() {
  GcReport out;
  // Temp files first: they are nobody's whatever the records say.
  if (auto n = content_.sweepIngest(); n.ok()) {
    out.tempFiles += *n;
  } else {
    log::warn("gc: content ingest: {}", n.error().message());
  }
  if (auto n = snapshots_.sweepTemp(); n.ok()) {
    out.tempFiles += *n;
  } else {
    log::warn("gc: snapshot temp dirs: {}", n.error().message());
  }

  // Mark. The caller holds the job lock, so no image row appears or goes meanwhile; jobs that
  // write without it (a pull's download) hold leases, checked at each removal below.
  std::set<std::string> liveBlobs, liveChains;
  bool complete = true;
  WHARF_TRY(referenced(&liveBlobs, &liveChains, &complete));
  if (!complete) {
    out.partial = true;
    log::warn("gc: an image's manifest or config could not be read; nothing swept this time");
    return out;
  }

  // Sweep: snapshots, then blobs (a snapshot never needs its blob once unpacked, but the
  // order keeps "blob gone, snapshot left" impossible for a pass cut short).
  WHARF_ASSIGN_OR_RETURN(std::vector<std::string> chains, snapshots_.list());
  for (const auto& c : chains) {
    if (liveChains.count(c)) continue;
    auto removed = removeSnapshot(c);
    if (!removed.ok()) return std::move(removed).error().context("gc: remove snapshot " + c);
    if (*removed) ++out.snapshots;
  }
  WHARF_ASSIGN_OR_RETURN(std::vector<std::string> blobs, content_.list());
  for (const auto& b : blobs) {
    if (liveBlobs.count(b)) continue;
    int64_t size = 0;
    if (auto s = content_.size(b); s.ok()) size = *s;
    auto removed = removeBlob(b);
    if (!removed.ok()) return std::move(removed).error().context("gc: remove blob " + b);
    if (*removed) {
      ++out.blobs;
      out.bytes += size;
    }
  }
  return out;
}

}  // namespace wharf::image
