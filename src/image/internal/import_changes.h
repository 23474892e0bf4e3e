#pragma once
// `docker import -c` / `docker commit -c`: Dockerfile instructions applied to an image config.
// Private to the image module.

#include <string>
#include <string_view>

#include "common/error.h"
#include "oci/image.h"

namespace wharf::image::internal {

// Applies one instruction ("CMD [\"sh\"]", "ENV A=b C=d", "EXPOSE 80/tcp", "WORKDIR /x"...).
// The instructions docker accepts here are CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD,
// STOPSIGNAL, USER, VOLUME and WORKDIR; anything else is InvalidArgument with docker's words.
// ONBUILD is accepted and ignored: wharf's config type has no OnBuild field yet.
Status applyChange(oci::ImageConfig& cfg, std::string_view change);

}  // namespace wharf::image::internal
