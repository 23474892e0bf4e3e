// ImageService::pushPlan / pushContent: `docker push` of a tagged image.

#include <algorithm>

#include "image/image_service.h"
#include "image/reference.h"

namespace wharf::image {

Result<ImageService::PushPlan> ImageService::pushPlan(const std::string& refStr) {
  WHARF_ASSIGN_OR_RETURN(Reference ref, parseReference(refStr));
  if (!ref.digest.empty())
    return invalidArgument("cannot push a digest reference (" + ref.familiar() + ")");
  // docker's message for a name that is not a local tag.
  auto id = db_.resolveTag(ref.normalized());
  if (!id.ok())
    return notFound("An image does not exist locally with the tag: " + ref.familiarRepository());
  WHARF_ASSIGN_OR_RETURN(store::ImageRow row, db_.getImage(*id));
  PushPlan plan;
  plan.domain = ref.domain;
  plan.repository = ref.path;
  plan.tag = ref.tag;
  WHARF_ASSIGN_OR_RETURN(plan.manifestJson, content_.read(row.manifestDigest));
  auto m = oci::parseManifest(plan.manifestJson);
  if (!m.ok()) return std::move(m).error().context("image " + row.id);
  plan.manifestMediaType =
      m->mediaType.empty() ? std::string(oci::kMediaTypeManifest) : m->mediaType;
  plan.blobs.push_back(m->config);
  for (const auto& l : m->layers) plan.blobs.push_back(l);
  // Where the blobs are known to be already (docker asks at most three such repositories).
  WHARF_ASSIGN_OR_RETURN(std::vector<std::string> refs, db_.tagsFor(row.id));
  for (const auto& r : refs) {
    auto other = parseReference(r);
    if (!other.ok() || other->domain != ref.domain || other->path == ref.path) continue;
    if (std::find(plan.mountSources.begin(), plan.mountSources.end(), other->path) ==
            plan.mountSources.end() &&
        plan.mountSources.size() < 3)
      plan.mountSources.push_back(other->path);
  }
  return plan;
}

Result<ImageService::PushResult> ImageService::pushContent(
    const PushPlan& plan, const RegistryCredentials& creds, RegistryOptions registry,
    const std::function<void(const PullProgress&)>& progress) {
  registry.push = true;
  registry.mountSources = plan.mountSources;
  RegistryClient reg(plan.domain, plan.repository, creds, std::move(registry));
  const std::string repoName =
      (plan.domain == kDefaultDomain ? "docker.io" : plan.domain) + "/" + plan.repository;
  progress({"", "The push refers to repository [" + repoName + "]"});
  auto shortId = [](const std::string& d) { return d.substr(d.find(':') + 1, 12); };
  for (const auto& b : plan.blobs) progress({shortId(b.digest), "Preparing"});
  for (const auto& b : plan.blobs) {
    const std::string id = shortId(b.digest);
    WHARF_ASSIGN_OR_RETURN(bool have, reg.hasBlob(b.digest));
    if (have) {
      progress({id, "Layer already exists"});
      continue;
    }
    if (!content_.has(b.digest)) return notFound("push: blob " + b.digest + " is not in the store");
    progress({id, "Pushing", 0, b.size});
    auto mounted = reg.uploadBlob(b.digest, content_.blobPath(b.digest).string());
    if (!mounted.ok()) return std::move(mounted).error().context("push " + repoName);
    // docker's words for a blob the registry linked from another of its repositories.
    progress({id, mounted->empty() ? "Pushed" : "Mounted from " + *mounted});
  }
  WHARF_ASSIGN_OR_RETURN(std::string digest,
                         reg.putManifest(plan.tag, plan.manifestMediaType, plan.manifestJson));
  PushResult r{plan.tag, digest, static_cast<int64_t>(plan.manifestJson.size())};
  progress({"", plan.tag + ": digest: " + digest + " size: " + std::to_string(r.size)});
  return r;
}

}  // namespace wharf::image
