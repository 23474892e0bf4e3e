#include "store/content_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <system_error>
#include <utility>

#include "common/digest.h"
#include "common/fs.h"
#include "common/random.h"
#include "common/scope_guard.h"
#include "common/unique_fd.h"

namespace wharf::store {
namespace {

namespace stdfs = std::filesystem;

Status writeAll(int fd, const char* data, size_t len, const stdfs::path& what) {
  while (len > 0) {
    ssize_t n = ::write(fd, data, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return sysError("write " + what.string());
    }
    data += n;
    len -= static_cast<size_t>(n);
  }
  return okStatus();
}

class BufferedBlobWriter final : public BlobWriter {
 public:
  explicit BufferedBlobWriter(ContentStore& store) : store_(store) {}
  Status write(std::string_view data) override {
    data_.append(data);
    return okStatus();
  }
  int64_t size() const override { return static_cast<int64_t>(data_.size()); }
  Result<std::string> commit(const std::string& expectedDigest) override {
    return store_.put(std::exchange(data_, {}), expectedDigest);
  }

 private:
  ContentStore& store_;
  std::string data_;
};

}  // namespace

Result<std::unique_ptr<BlobWriter>> ContentStore::writer() {
  return std::unique_ptr<BlobWriter>(std::make_unique<BufferedBlobWriter>(*this));
}

class LocalContentStore::FileWriter final : public BlobWriter {
 public:
  FileWriter(LocalContentStore& store, stdfs::path tmp, UniqueFd fd)
      : store_(store), tmp_(std::move(tmp)), fd_(std::move(fd)) {}
  ~FileWriter() override {
    if (!tmp_.empty()) ::unlink(tmp_.c_str());
  }
  Status write(std::string_view data) override {
    if (!fd_) return invalidArgument("blob writer already committed");
    WHARF_TRY(writeAll(fd_.get(), data.data(), data.size(), tmp_));
    hasher_.update(data);
    size_ += static_cast<int64_t>(data.size());
    return okStatus();
  }
  int64_t size() const override { return size_; }
  Result<std::string> commit(const std::string& expectedDigest) override {
    if (!fd_) return invalidArgument("blob writer already committed");
    if (!expectedDigest.empty()) WHARF_TRY(parseDigest(expectedDigest));
    if (::fsync(fd_.get()) != 0) return sysError("fsync " + tmp_.string());
    fd_.reset();
    stdfs::path tmp = std::exchange(tmp_, {});  // commit() owns the temp file from here
    return store_.commit(tmp, hasher_.finishDigest(), expectedDigest);
  }

 private:
  LocalContentStore& store_;
  stdfs::path tmp_;
  UniqueFd fd_;
  Sha256 hasher_;
  int64_t size_ = 0;
};

Result<std::unique_ptr<BlobWriter>> LocalContentStore::writer() {
  WHARF_TRY(ensureDirs());
  stdfs::path tmp = root_ / "ingest" / randomHex(16);
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444));
  if (!fd) return sysError("create " + tmp.string());
  return std::unique_ptr<BlobWriter>(std::make_unique<FileWriter>(*this, tmp, std::move(fd)));
}

LocalContentStore::LocalContentStore(std::filesystem::path root) : root_(std::move(root)) {}

Status LocalContentStore::ensureDirs() {
  std::lock_guard lock(dirsMu_);
  if (dirsReady_) return okStatus();
  WHARF_TRY(fs::mkdirAll(root_ / "blobs" / "sha256"));
  WHARF_TRY(fs::mkdirAll(root_ / "ingest"));
  // Whatever is left in ingest/ is from a writer that crashed: nothing refers to it.
  std::error_code ec;
  for (const auto& e : stdfs::directory_iterator(root_ / "ingest", ec)) {
    std::error_code ignored;
    if (stdfs::remove_all(e.path(), ignored) > 0) ++swept_;
  }
  dirsReady_ = true;
  return okStatus();
}

Result<int> LocalContentStore::sweepIngest() {
  bool first = [&] {
    std::lock_guard lock(dirsMu_);
    return !dirsReady_;
  }();
  WHARF_TRY(ensureDirs());
  if (!first) return 0;
  std::lock_guard lock(dirsMu_);
  return std::exchange(swept_, 0);
}

std::filesystem::path LocalContentStore::blobPath(const std::string& digest) {
  auto hex = parseDigest(digest);
  if (!hex.ok()) return {};
  return root_ / "blobs" / "sha256" / *hex;
}

Result<std::string> LocalContentStore::commit(const std::filesystem::path& tmp,
                                              const std::string& actual,
                                              const std::string& expectedDigest) {
  ScopeGuard removeTmp([&] { ::unlink(tmp.c_str()); });
  if (!expectedDigest.empty() && actual != expectedDigest)
    return invalidArgument("digest mismatch: expected " + expectedDigest + ", got " + actual);
  stdfs::path dst = blobPath(actual);
  if (fs::exists(dst)) return actual;  // same content already there; tmp is dropped
  if (::rename(tmp.c_str(), dst.c_str()) != 0) return sysError("rename blob " + actual);
  removeTmp.dismiss();
  return actual;
}

Result<std::string> LocalContentStore::put(std::string_view data,
                                           const std::string& expectedDigest) {
  if (!expectedDigest.empty()) WHARF_TRY(parseDigest(expectedDigest));
  WHARF_TRY(ensureDirs());
  std::string actual = sha256Digest(data);
  // Checked before anything touches the disk: a mismatch leaves nothing behind.
  if (!expectedDigest.empty() && actual != expectedDigest)
    return invalidArgument("digest mismatch: expected " + expectedDigest + ", got " + actual);
  if (has(actual)) return actual;
  stdfs::path tmp = root_ / "ingest" / randomHex(16);
  {
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444));
    if (!fd) return sysError("create " + tmp.string());
    ScopeGuard removeTmp([&] { ::unlink(tmp.c_str()); });
    WHARF_TRY(writeAll(fd.get(), data.data(), data.size(), tmp));
    if (::fsync(fd.get()) != 0) return sysError("fsync " + tmp.string());
    removeTmp.dismiss();
  }
  return commit(tmp, actual, expectedDigest);
}

Result<std::string> LocalContentStore::putFile(const std::filesystem::path& src,
                                               const std::string& expectedDigest) {
  if (!expectedDigest.empty()) WHARF_TRY(parseDigest(expectedDigest));
  WHARF_TRY(ensureDirs());
  UniqueFd in(::open(src.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in) return sysError("open " + src.string());
  stdfs::path tmp = root_ / "ingest" / randomHex(16);
  UniqueFd out(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444));
  if (!out) return sysError("create " + tmp.string());
  ScopeGuard removeTmp([&] { ::unlink(tmp.c_str()); });
  // One pass: hash what is copied, so the blob is exactly the bytes that were verified.
  Sha256 hasher;
  std::string buf(1 << 20, '\0');
  for (;;) {
    ssize_t n = ::read(in.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return sysError("read " + src.string());
    }
    if (n == 0) break;
    hasher.update(buf.data(), static_cast<size_t>(n));
    WHARF_TRY(writeAll(out.get(), buf.data(), static_cast<size_t>(n), tmp));
  }
  if (::fsync(out.get()) != 0) return sysError("fsync " + tmp.string());
  out.reset();
  removeTmp.dismiss();
  return commit(tmp, hasher.finishDigest(), expectedDigest);
}

Result<std::string> LocalContentStore::read(const std::string& digest) {
  stdfs::path p = blobPath(digest);
  if (p.empty()) return invalidArgument("invalid digest \"" + digest + "\"");
  auto data = fs::readFile(p);
  if (!data.ok()) {
    if (data.error().sysErrno() == ENOENT) return notFound("blob " + digest + " not found");
    return std::move(data).error();
  }
  return data;
}

bool LocalContentStore::has(const std::string& digest) {
  stdfs::path p = blobPath(digest);
  return !p.empty() && fs::exists(p);
}

Status LocalContentStore::remove(const std::string& digest) {
  stdfs::path p = blobPath(digest);
  if (p.empty()) return invalidArgument("invalid digest \"" + digest + "\"");
  if (::unlink(p.c_str()) != 0 && errno != ENOENT) return sysError("remove blob " + digest);
  return okStatus();
}

Result<std::vector<std::string>> LocalContentStore::list() {
  std::vector<std::string> out;
  std::error_code ec;
  stdfs::directory_iterator it(root_ / "blobs" / "sha256", ec);
  if (ec) {
    if (ec.value() == ENOENT) return out;
    return sysError("list blobs", ec.value());
  }
  for (const auto& e : it) {
    std::string d = "sha256:" + e.path().filename().string();
    if (parseDigest(d).ok()) out.push_back(std::move(d));
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<int64_t> LocalContentStore::size(const std::string& digest) {
  stdfs::path p = blobPath(digest);
  if (p.empty()) return invalidArgument("invalid digest \"" + digest + "\"");
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) {
    if (errno == ENOENT) return notFound("blob " + digest + " not found");
    return sysError("stat blob " + digest);
  }
  return static_cast<int64_t>(st.st_size);
}

}  // namespace wharf::store
