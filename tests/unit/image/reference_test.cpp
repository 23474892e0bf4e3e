#include "image/reference.h"

#include <gtest/gtest.h>

namespace wharf::image {
namespace {

const std::string kDigest = "sha256:" + std::string(64, 'a');

struct Case {
  std::string in, normalized, familiar, repository;
};

TEST(Reference, NormalisesLikeDocker) {
  const Case cases[] = {
      {"busybox", "docker.io/library/busybox:latest", "busybox:latest",
       "docker.io/library/busybox"},
      {"busybox:1", "docker.io/library/busybox:1", "busybox:1", "docker.io/library/busybox"},
      {"library/busybox", "docker.io/library/busybox:latest", "busybox:latest",
       "docker.io/library/busybox"},
      {"docker.io/library/busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36",
       "docker.io/library/busybox"},
      {"index.docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest",
       "docker.io/library/busybox"},
      {"user/app", "docker.io/user/app:latest", "user/app:latest", "docker.io/user/app"},
      {"localhost:5000/a/b:c", "localhost:5000/a/b:c", "localhost:5000/a/b:c",
       "localhost:5000/a/b"},
      {"localhost/x", "localhost/x:latest", "localhost/x:latest", "localhost/x"},
      {"quay.io/a/b-c_d.e__f", "quay.io/a/b-c_d.e__f:latest", "quay.io/a/b-c_d.e__f:latest",
       "quay.io/a/b-c_d.e__f"},
      {"x@" + kDigest, "docker.io/library/x@" + kDigest, "x@" + kDigest, "docker.io/library/x"},
      {"x:1@" + kDigest, "docker.io/library/x:1@" + kDigest, "x:1@" + kDigest,
       "docker.io/library/x"},
      {"[::1]:5000/x:y", "[::1]:5000/x:y", "[::1]:5000/x:y", "[::1]:5000/x"},
      // "localhost:5000" alone is the image "localhost" with tag "5000", as in docker.
      {"localhost:5000", "docker.io/library/localhost:5000", "localhost:5000",
       "docker.io/library/localhost"},
  };
  for (const auto& c : cases) {
    auto r = parseReference(c.in);
    ASSERT_TRUE(r.ok()) << c.in << ": " << r.error().message();
    EXPECT_EQ(r->normalized(), c.normalized) << c.in;
    EXPECT_EQ(r->familiar(), c.familiar) << c.in;
    EXPECT_EQ(r->repository(), c.repository) << c.in;
  }
  auto r = parseReference("x@" + kDigest);
  EXPECT_EQ(r->tag, "");
  EXPECT_EQ(r->digest, kDigest);
}

TEST(Reference, RejectsBadInput) {
  const std::string bad[] = {"",
                             ":",
                             "a:",
                             "a/",
                             "/a",
                             "a//b",
                             "-a",
                             "a-",
                             "a..b",
                             "a___b",
                             "a:b:c",
                             "a@sha256:1",
                             "a@",
                             "a:-tag",
                             "a b",
                             "a:" + std::string(129, 't'),
                             "x.io:port/a",
                             "a/b@md5:1"};
  for (const auto& s : bad) {
    auto r = parseReference(s);
    EXPECT_FALSE(r.ok()) << "accepted \"" << s << "\" as " << (r.ok() ? r->normalized() : "");
    if (!r.ok()) {
      EXPECT_EQ(r.error().category(), ErrorCategory::kInvalidArgument) << s;
    }
  }
}

TEST(Reference, DockerMessages) {
  auto up = parseReference("Busybox");
  ASSERT_FALSE(up.ok());
  EXPECT_EQ(up.error().message(),
            "invalid reference format: repository name (library/Busybox) must be lowercase");
  auto up2 = parseReference("library/Busybox:1");
  ASSERT_FALSE(up2.ok());
  EXPECT_EQ(up2.error().message(),
            "invalid reference format: repository name (library/Busybox) must be lowercase");
  // An uppercase first component is a registry name (which may have capitals).
  auto reg = parseReference("Registry.Example/x");
  ASSERT_TRUE(reg.ok()) << reg.error().message();
  EXPECT_EQ(reg->domain, "Registry.Example");
  auto hex = parseReference(std::string(64, 'b'));
  ASSERT_FALSE(hex.ok());
  EXPECT_NE(hex.error().message().find("cannot specify 64-byte hexadecimal strings"),
            std::string::npos);
  EXPECT_EQ(parseReference("a b").error().message(), "invalid reference format");
  EXPECT_EQ(parseReference("").error().message(),
            "repository name must have at least one component");
  // Huge input is refused before it is scanned, with docker's words.
  auto huge = parseReference(std::string(1 << 20, 'a'));
  ASSERT_FALSE(huge.ok());
  EXPECT_NE(huge.error().message().find("must not be more than 255 characters"), std::string::npos);
  auto tooLong = parseReference("a/" + std::string(300, 'b'));
  ASSERT_FALSE(tooLong.ok());
  EXPECT_NE(tooLong.error().message().find("255"), std::string::npos);
}

}  // namespace
}  // namespace wharf::image
