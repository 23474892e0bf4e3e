#include "engine/log_reader.h"

#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>

#include "common/log.h"
#include "common/time.h"
#include "common/unique_fd.h"
#include "engine/shim/json_log.h"

namespace wharf::engine {

namespace asio = boost::asio;
using Callback = std::function<void(Result<std::optional<LogEntry>>)>;

constexpr size_t kReadChunk = 1 << 20;  // read per step: bounds what one reader holds
constexpr size_t kMaxLine = 4 << 20;    // far above the shim's longest line (16 KiB, escaped)

struct JsonFileLogReader::Core : std::enable_shared_from_this<Core> {
  Core(asio::io_context& io) : io(io), notify(io), timer(io) {}

  asio::io_context& io;
  std::string path;
  LogOptions opts;
  std::function<bool()> done;
  UniqueFd file;
  std::string partial;  // bytes after the last complete line
  std::deque<LogEntry> queue;
  bool ended = false;
  bool cancelled = false;
  bool waiting = false;
  bool eof = false;           // the last read reached the end of the file
  bool draining = false;      // the writer is done: read to the end, then end
  bool skippingLine = false;  // inside an over-long line, until its end
  // Without follow, the log as it was when the request came: the bytes left of it (-1: all).
  off_t snapshotLeft = -1;
  Callback pending;
  asio::posix::stream_descriptor notify;  // inotify, only when following
  asio::steady_timer timer;

  // Reads the next bounded piece of the file (at most kReadChunk bytes): complete lines
  // become entries in `out`; `eof` says whether the end of the file was reached. Reading in
  // pieces keeps the daemon's memory bounded whatever the log's size: the next piece is read
  // only once the client took what the last one held (issue 9, point 7).
  Status readMore(std::deque<LogEntry>* out) {
    char buf[65536];
    size_t got = 0;
    eof = false;
    while (got < kReadChunk) {
      size_t want = sizeof buf;
      if (snapshotLeft >= 0) want = std::min<size_t>(want, static_cast<size_t>(snapshotLeft));
      ssize_t n = want == 0 ? 0 : ::read(file.get(), buf, want);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return sysError("read " + path);
      if (n == 0) {
        eof = true;
        break;
      }
      partial.append(buf, static_cast<size_t>(n));
      got += static_cast<size_t>(n);
      if (snapshotLeft >= 0) snapshotLeft -= n;
    }
    if (skippingLine) {
      // The rest of an over-long line: drop it up to its end.
      size_t nl = partial.find('\n');
      if (nl == std::string::npos) {
        partial.clear();
        return okStatus();
      }
      partial.erase(0, nl + 1);
      skippingLine = false;
    }
    size_t start = 0;
    for (;;) {
      size_t nl = partial.find('\n', start);
      if (nl == std::string::npos) break;
      std::string_view line(partial.data() + start, nl - start);
      start = nl + 1;
      if (line.empty()) continue;
      auto dec = shim::decodeLogLine(line);
      if (!dec.ok()) {
        log::warn("{}: skipping a bad log line: {}", path, dec.error().message());
        continue;
      }
      LogEntry e;
      e.stream = dec->stream == "stderr"  ? LogStream::kStderr
                 : dec->stream == "stdin" ? LogStream::kStdin
                                          : LogStream::kStdout;
      e.data = std::move(dec->data);
      e.timeNanos = dec->timeNanos;
      e.timeIso = formatRfc3339NanoFixed(e.timeNanos);
      out->push_back(std::move(e));
    }
    partial.erase(0, start);
    // The shim writes lines of at most 16 KiB of message; a "line" far longer than that is
    // not one of its lines (a corrupt or foreign file): drop it rather than grow without end.
    if (partial.size() > kMaxLine) {
      log::warn("{}: skipping {} bytes without a line end", path, partial.size());
      partial.clear();
      skippingLine = true;
    }
    return okStatus();
  }

  // Positions the file so that only about the last `lines` lines remain to be read: scans
  // backwards from the end, so `logs --tail` of a huge log does not parse all of it.
  Status seekTail(int lines) {
    off_t end = ::lseek(file.get(), 0, SEEK_END);
    if (end < 0) return sysError("seek log " + path);
    off_t pos = end, start = 0;
    int newlines = 0;
    char buf[65536];
    while (pos > 0 && start == 0) {
      size_t chunk = static_cast<size_t>(std::min<off_t>(pos, sizeof buf));
      pos -= static_cast<off_t>(chunk);
      ssize_t n = ::pread(file.get(), buf, chunk, pos);
      if (n != static_cast<ssize_t>(chunk)) return sysError("read log " + path);
      for (size_t i = chunk; i-- > 0;) {
        // The (lines+1)-th newline from the end ends the line before the ones we want.
        if (buf[i] == '\n' && ++newlines == lines + 1) {
          start = pos + static_cast<off_t>(i) + 1;
          break;
        }
      }
    }
    if (::lseek(file.get(), start, SEEK_SET) < 0) return sysError("seek log " + path);
    return okStatus();
  }

  bool wanted(const LogEntry& e) const {
    if (e.stream == LogStream::kStderr ? !opts.stderrOn : !opts.stdoutOn) return false;
    if (opts.sinceNanos > 0 && e.timeNanos < opts.sinceNanos) return false;
    return true;
  }

  // Moves new entries that pass the filters into `queue`; ends at `until`.
  Status fill() {
    std::deque<LogEntry> fresh;
    WHARF_TRY(readMore(&fresh));
    for (auto& e : fresh) {
      if (opts.untilNanos > 0 && e.timeNanos > opts.untilNanos) {
        ended = true;
        break;
      }
      if (wanted(e)) queue.push_back(std::move(e));
    }
    return okStatus();
  }

  void deliver(Callback cb, Result<std::optional<LogEntry>> r) {
    asio::post(io, [self = shared_from_this(), cb = std::move(cb), r = std::move(r)]() mutable {
      if (!self->cancelled) cb(std::move(r));
    });
  }

  void tryDeliver() {
    if (!pending || cancelled) return;
    // Read pieces until there is something to deliver or nothing more to read now.
    while (queue.empty() && !ended) {
      Status st = fill();
      if (!st.ok()) {
        deliver(std::move(pending), std::move(st).error());
        pending = nullptr;
        return;
      }
      if (eof) break;
    }
    if (!queue.empty()) {
      LogEntry e = std::move(queue.front());
      queue.pop_front();
      deliver(std::move(pending), std::optional<LogEntry>(std::move(e)));
      pending = nullptr;
      return;
    }
    if (ended || !opts.follow || draining) {
      ended = true;
      deliver(std::move(pending), std::optional<LogEntry>());
      pending = nullptr;
      return;
    }
    if (done && done()) {
      // The writer is finished: whatever it wrote before exiting is read, then the end.
      draining = true;
      tryDeliver();
      return;
    }
    armWait();
  }

  void armWait() {
    if (waiting) return;
    waiting = true;
    auto self = shared_from_this();
    if (notify.is_open()) {
      notify.async_wait(asio::posix::stream_descriptor::wait_read,
                        [self](const boost::system::error_code& ec) {
                          if (ec || self->cancelled) return;
                          char buf[4096];
                          while (::read(self->notify.native_handle(), buf, sizeof buf) > 0) {
                          }
                          self->wakeUp();
                        });
    }
    // A safety net for writes inotify cannot see and for done() turning true unannounced.
    timer.expires_after(std::chrono::milliseconds(500));
    timer.async_wait([self](const boost::system::error_code& ec) {
      if (ec || self->cancelled) return;
      self->wakeUp();
    });
  }

  void wakeUp() {
    if (cancelled) return;
    if (waiting) {
      waiting = false;
      if (notify.is_open()) notify.cancel();
      timer.cancel();
    }
    tryDeliver();
  }
};

Result<std::unique_ptr<JsonFileLogReader>> JsonFileLogReader::open(asio::io_context& io,
                                                                   const std::string& path,
                                                                   const LogOptions& opts,
                                                                   bool fromEnd,
                                                                   std::function<bool()> done) {
  auto core = std::make_shared<Core>(io);
  core->path = path;
  core->opts = opts;
  core->done = std::move(done);
  // The shim creates the log on first start; before that, an empty file stands in for it.
  core->file.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_CREAT, 0640));
  if (!core->file) return sysError("open log " + path);

  if (fromEnd) {
    if (::lseek(core->file.get(), 0, SEEK_END) < 0) return sysError("seek log " + path);
  } else if (opts.tail >= 0) {
    // Entries are read as the client takes them, from where the last `tail` lines start.
    WHARF_TRY(core->seekTail(opts.tail));
  }
  if (!opts.follow) {
    struct stat st;
    off_t pos = ::lseek(core->file.get(), 0, SEEK_CUR);
    if (pos < 0 || ::fstat(core->file.get(), &st) != 0) return sysError("stat log " + path);
    core->snapshotLeft = std::max<off_t>(0, st.st_size - pos);
  }

  if (opts.follow) {
    UniqueFd in(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    if (!in) return sysError("inotify_init1");
    if (::inotify_add_watch(in.get(), path.c_str(), IN_MODIFY | IN_CLOSE_WRITE) < 0) {
      return sysError("inotify_add_watch " + path);
    }
    core->notify.assign(in.release());
  }
  return std::unique_ptr<JsonFileLogReader>(new JsonFileLogReader(std::move(core)));
}

JsonFileLogReader::~JsonFileLogReader() {
  core_->cancelled = true;
  core_->pending = nullptr;
  boost::system::error_code ec;
  if (core_->notify.is_open()) core_->notify.close(ec);
  core_->timer.cancel();
}

void JsonFileLogReader::next(Callback cb) {
  if (core_->pending) {
    core_->deliver(std::move(cb), internalError("log reader: next() while a read is pending"));
    return;
  }
  core_->pending = std::move(cb);
  core_->tryDeliver();
}

size_t JsonFileLogReader::bufferedBytes() const {
  size_t n = core_->partial.size();
  for (const auto& e : core_->queue) n += e.data.size();
  return n;
}

std::function<bool()> JsonFileLogReader::waker() {
  std::weak_ptr<Core> weak = core_;
  return [weak] {
    auto core = weak.lock();
    if (!core || core->cancelled) return false;
    asio::post(core->io, [core] { core->wakeUp(); });
    return true;
  };
}

}  // namespace wharf::engine
