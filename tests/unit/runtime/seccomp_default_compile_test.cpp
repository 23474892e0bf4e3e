// libseccomp accepts Docker's default profile as oci::dockerDefaultSeccomp builds it, for the
// default capabilities and for a container holding every capability.
#include <gtest/gtest.h>

#include "oci/defaults.h"
#include "oci/seccomp_default.h"
#include "runtime/seccomp.h"

namespace wharf::runtime {
namespace {

TEST(SeccompDefaultProfile, Compiles) {
  std::vector<std::string> all;
  for (int i = 0; i <= oci::kLastCapability; ++i) all.emplace_back(oci::capabilityName(i));
  for (const auto& caps : {oci::dockerDefaultCapabilities(), all}) {
    for (const char* arch : {"amd64", "arm64"}) {
      oci::Seccomp s = oci::dockerDefaultSeccomp(caps, oci::SeccompHost{arch, "6.1.0"});
      auto f = compileSeccomp(s);
      ASSERT_TRUE(f.ok()) << arch << ": " << f.error().message();
      auto bpf = f->exportBpf();
      ASSERT_TRUE(bpf.ok()) << bpf.error().message();
      EXPECT_GT(bpf->size(), 1000u);
    }
  }
}

}  // namespace
}  // namespace wharf::runtime
