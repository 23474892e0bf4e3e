// OverlaySnapshotter::stageLayer: a layer unpacked while its bytes download.
//
// The download thread write()s pieces into a bounded queue; an extractor thread of the staged
// layer drains it through the same decoder and tar unpacker as the file path
// (internal::unpackLayer over a ByteSource), into tmp-<pid>-<random>/fs. The queue holds at
// most kMaxQueued bytes, so a download never runs more than that ahead of its extraction and
// memory stays bounded whatever the layer's size. Nothing is visible until commit() renames
// the staging dir; the destructor of an uncommitted layer cancels the extractor, joins it and
// removes the dir.

#include <fcntl.h>

#include <condition_variable>
#include <deque>
#include <optional>
#include <thread>

#include "common/fs.h"
#include "common/log.h"
#include "common/unique_fd.h"
#include "store/internal/layer_unpack.h"
#include "store/snapshotter.h"

namespace wharf::store {
namespace {

namespace stdfs = std::filesystem;

constexpr size_t kMaxQueued = 4 << 20;
// The extractor takes what is queued in pieces of up to this size (downloads arrive in small
// pieces; the tar reader and the decoder work better on larger ones).
constexpr size_t kMaxRead = 1 << 20;

}  // namespace

class OverlaySnapshotter::Staged final : public StagedLayer, private internal::ByteSource {
 public:
  Staged(OverlaySnapshotter& owner, stdfs::path tmp, UniqueFd fsFd)
      : owner_(owner), tmp_(std::move(tmp)), fsFd_(std::move(fsFd)) {
    extractor_ = std::thread([this] { extract(); });
  }

  ~Staged() override {
    {
      std::lock_guard lock(mu_);
      cancelled_ = true;
    }
    changed_.notify_all();
    if (extractor_.joinable()) extractor_.join();
    if (!tmp_.empty()) (void)fs::removeAll(tmp_);
  }

  Status write(std::string_view data) override {
    if (data.empty()) return okStatus();
    std::unique_lock lock(mu_);
    if (closed_) return internalError("staged layer: write after finish");
    // A piece larger than the bound still goes in alone, or the writer would wait forever.
    changed_.wait(lock,
                  [&] { return done_ || queued_ == 0 || queued_ + data.size() <= kMaxQueued; });
    if (done_) {
      if (!result_->ok()) return result_->error();
      // The extractor read to the end, so the stream was closed: not reachable.
      return internalError("staged layer: bytes after the end of the layer");
    }
    queue_.emplace_back(data);
    queued_ += data.size();
    changed_.notify_all();
    return okStatus();
  }

  Result<std::string> finish(const std::string& blobDigest) override {
    std::unique_lock lock(mu_);
    closed_ = true;
    changed_.notify_all();
    changed_.wait(lock, [&] { return done_; });
    if (!result_->ok()) return result_->error();
    diffId_ = result_->value().diffId.empty() ? blobDigest : result_->value().diffId;
    return diffId_;
  }

  Result<stdfs::path> commit(const std::string& chainId,
                             const std::string& parentChainId) override {
    if (diffId_.empty()) return internalError("staged layer: commit before finish");
    stdfs::path tmp = std::move(tmp_);
    tmp_.clear();  // commitStaging renames or removes it
    return owner_.commitStaging(tmp, chainId, parentChainId, diffId_);
  }

 private:
  // The extractor's end of the queue: everything queued (up to kMaxRead) as one piece.
  Result<std::string_view> read() override {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return cancelled_ || closed_ || !queue_.empty(); });
    if (cancelled_) return unavailable("cancelled");
    current_.clear();
    while (!queue_.empty() &&
           (current_.empty() || current_.size() + queue_.front().size() <= kMaxRead)) {
      queued_ -= queue_.front().size();
      if (current_.empty())
        current_.swap(queue_.front());
      else
        current_.append(queue_.front());
      queue_.pop_front();
    }
    changed_.notify_all();
    return std::string_view(current_);
  }

  void extract() {
    auto r = internal::unpackLayer(fsFd_.get(), *this, /*hashPlainTar=*/false);
    if (r.ok())
      log::debug("staged layer unpacked ({} entries, {} bytes)", r->entries, r->uncompressedBytes);
    std::lock_guard lock(mu_);
    result_.emplace(std::move(r));
    done_ = true;
    fsFd_.reset();
    changed_.notify_all();
  }

  OverlaySnapshotter& owner_;
  stdfs::path tmp_;
  UniqueFd fsFd_;
  std::thread extractor_;
  std::string diffId_;

  std::mutex mu_;
  std::condition_variable changed_;  // queued, taken, closed, cancelled or done
  std::deque<std::string> queue_;
  size_t queued_ = 0;
  std::string current_;     // the piece the extractor reads now
  bool closed_ = false;     // finish(): no more bytes
  bool cancelled_ = false;  // dropped uncommitted: the extractor stops at its next read
  bool done_ = false;
  std::optional<Result<internal::UnpackStats>> result_;
};

Result<std::unique_ptr<StagedLayer>> OverlaySnapshotter::stageLayer() {
  WHARF_ASSIGN_OR_RETURN(stdfs::path tmp, makeStaging());
  UniqueFd fsFd(::open((tmp / "fs").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fsFd) {
    int e = errno;
    (void)fs::removeAll(tmp);
    return sysError("open " + tmp.string() + "/fs", e);
  }
  return std::unique_ptr<StagedLayer>(std::make_unique<Staged>(*this, tmp, std::move(fsFd)));
}

}  // namespace wharf::store
