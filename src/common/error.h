#pragma once
// Errors as values (STYLE.md): no exceptions cross a module boundary. An Error has a
// category (mapped to HTTP status once, in api/), the errno that caused it (0 if none) and a
// message that grows a chain of context as it travels up: `mount "proc" on "/proc": EPERM`.

#include <cerrno>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace wharf {

enum class ErrorCategory {
  kInternal,
  kInvalidArgument,
  kNotFound,
  kConflict,
  kUnavailable,
  kForbidden,
  kNotImplemented,
  kUnauthorized,
};

std::string_view categoryName(ErrorCategory c);

class [[nodiscard]] Error {
 public:
  Error(ErrorCategory category, std::string message, int err = 0)
      : category_(category), errno_(err), message_(std::move(message)) {}

  ErrorCategory category() const { return category_; }
  int sysErrno() const { return errno_; }
  // The full message, including the errno text when there is one.
  std::string message() const;
  const std::string& rawMessage() const { return message_; }

  // Prefix with what was being done: err.context("pull busybox") -> "pull busybox: <msg>".
  Error&& context(std::string_view what) &&;
  Error& context(std::string_view what) &;

 private:
  ErrorCategory category_;
  int errno_;
  std::string message_;
};

// Convenience constructors.
Error invalidArgument(std::string msg);
Error notFound(std::string msg);
Error conflict(std::string msg);
Error internalError(std::string msg);
Error unavailable(std::string msg);
Error forbidden(std::string msg);
Error notImplemented(std::string msg);
// A failed syscall: errno kept, category Internal whatever the errno (error.cpp says why).
Error sysError(std::string what, int err = errno);

// Result<T>: a value or an Error. (C++23's std::expected is not in GCC 12.)
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}      // NOLINT implicit
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT implicit

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : err_(std::move(error)), has_error_(true) {}  // NOLINT implicit
  bool ok() const { return !has_error_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const& { return err_; }
  Error&& error() && { return std::move(err_); }

 private:
  Error err_{ErrorCategory::kInternal, ""};
  bool has_error_ = false;
};

using Status = Result<void>;

inline Status okStatus() { return {}; }

}  // namespace wharf

#define WHARF_CONCAT_INNER_(a, b) a##b
#define WHARF_CONCAT_(a, b) WHARF_CONCAT_INNER_(a, b)

// Return the error of a Result/Status expression, if any.
#define WHARF_TRY(expr)                                                       \
  do {                                                                        \
    auto&& wharf_try_result_ = (expr);                                        \
    if (!wharf_try_result_.ok()) return std::move(wharf_try_result_).error(); \
  } while (0)

// Same, adding context to the error message.
#define WHARF_TRY_CTX(expr, ctx)                                                           \
  do {                                                                                     \
    auto&& wharf_try_result_ = (expr);                                                     \
    if (!wharf_try_result_.ok()) return std::move(wharf_try_result_).error().context(ctx); \
  } while (0)

// `tmp` is an identifier made by WHARF_CONCAT_ and `lhs` may be a declaration ("auto x"):
// neither can be parenthesized.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define WHARF_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return std::move(tmp).error();      \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)

// WHARF_ASSIGN_OR_RETURN(auto x, computeX());
#define WHARF_ASSIGN_OR_RETURN(lhs, expr) \
  WHARF_ASSIGN_OR_RETURN_IMPL_(WHARF_CONCAT_(wharf_aor_, __LINE__), lhs, expr)

// Invariants: a broken one is a bug, so crash with a message rather than limp on.
#define WHARF_ASSERT(cond)                                         \
  do {                                                             \
    if (!(cond)) ::wharf::assertFailed(#cond, __FILE__, __LINE__); \
  } while (0)

namespace wharf {
[[noreturn]] void assertFailed(const char* cond, const char* file, int line);
}
