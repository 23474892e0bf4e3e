#pragma once
// Images as the engine sees them: resolve a name or id, list, unpack layers into snapshots,
// and build the built-in images (docs/images.md). Synchronous and blocking (hashing,
// unpacking): callers run it on a worker thread, one thread at a time (MetadataDb's rule).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/error.h"
#include "image/registry_client.h"
#include "oci/image.h"
#include "store/content_store.h"
#include "store/lease.h"
#include "store/metadata.h"
#include "store/snapshotter.h"

namespace wharf::image {

struct Image {
  std::string id;  // "sha256:<config digest hex>"
  std::string manifestDigest;
  oci::ImageConfig config;
  std::vector<std::string> diffIds, chainIds, repoTags /* familiar */;
  std::vector<std::string> repoDigests;  // familiar: "busybox@sha256:..."
  int64_t size = 0, created = 0;
};

class ImageService {
 public:
  // `leases` is shared by every ImageService over the same store (the daemon's loop and worker
  // services), so that one's garbage collection sees the other's pulls; null: its own.
  ImageService(store::ContentStore&, store::Snapshotter&, store::MetadataDb&,
               store::LeaseManager* leases = nullptr);

  // A name[:tag], a full "sha256:..." id, or a unique id prefix. NotFound: "No such image:
  // busybox:latest"; an ambiguous prefix is InvalidArgument.
  Result<Image> resolve(const std::string& refOrId);
  Result<std::vector<Image>> list();
  // Unpacks every layer not yet unpacked; returns the overlay lower dirs, top-most first.
  Result<std::vector<std::string>> ensureUnpacked(const Image&);
  // Builds the built-in image `name` ("busybox" only for now, else InvalidArgument).
  Result<Image> bootstrap(const std::string& name);

  // Tags an image: `ref` as the user wrote it ("busybox:1"). Moves an existing tag.
  Status tag(const std::string& imageId, const std::string& ref);

  // `docker rmi` (DELETE /images/{name}), as docker decides it: a name removes that tag, and
  // the image too once no tag is left; an id removes the image with all its tags (more than
  // one tag needs force). An image that a container uses is never deleted (its snapshots are
  // that container's lower dirs): without force that is a Conflict, with force it is only
  // untagged. Blobs and snapshots no other image uses are removed with the image.
  struct DeleteItem {
    std::string untagged;  // familiar ref ("busybox:latest"), or empty
    std::string deleted;   // image id, or empty
  };
  Result<std::vector<DeleteItem>> remove(const std::string& refOrId, bool force);

  // `docker load`: a `docker save` archive (plain or compressed tar with manifest.json; the
  // OCI layout docker 25+ writes beside it is read through the same manifest.json). Layers
  // may be plain, gzip or zstd tars; each is checked against the config's diff ids as it is
  // unpacked, and its RepoTags are applied. Returns the images loaded.
  Result<std::vector<Image>> loadArchive(const std::filesystem::path& archive);

  // `docker import`: a filesystem tarball (plain, gzip or zstd) as a one-layer image, its
  // config built from `changes` (Dockerfile instructions: CMD, ENV, ...). Tagged `ref` when
  // given. Nothing is visible, and nothing stays behind, unless it all succeeded.
  struct ImportOptions {
    std::string ref;                   // "repo[:tag]" as the user wrote it, or empty
    std::vector<std::string> changes;  // "CMD [\"sh\"]", "ENV A=b"
    std::string message;               // the history entry's comment
    std::string source;                // where the tarball came from ("-", a file name)
    std::string architecture;          // empty: the host's
  };
  Result<Image> importTarball(const std::filesystem::path& tarball, const ImportOptions& opts);

  // `docker save`: one tar archive with the named images, written to `outFd`. It holds the
  // blobs under blobs/sha256/, docker's manifest.json (and legacy `repositories`), and an OCI
  // index.json + oci-layout, so docker load, podman load and OCI tools all read it. A name
  // with a tag saves that tag; a bare repository name every tag of it; an id no tag.
  Status saveArchive(const std::vector<std::string>& names, int outFd);

  // `docker history` (image_history.cpp): one entry per config history entry, newest first;
  // the top one has the image id and tags, the others "<missing>"; an entry that made a
  // layer has that layer's blob size, the others 0. An image without history has none.
  struct HistoryEntry {
    std::string id;
    int64_t created = 0;  // unix seconds
    std::string createdBy, comment;
    std::vector<std::string> tags;  // familiar
    int64_t size = 0;
  };
  Result<std::vector<HistoryEntry>> history(const std::string& refOrId);

  // `docker image prune` (image_prune.cpp): removes, as `remove(id, force)` does, every image
  // no container uses that is dangling (no tag; every unused image when !danglingOnly),
  // created at or before `untilNanos`, and matching the label filters ("key" or
  // "key=value": labels all match, notLabels none). spaceReclaimed counts the content-store
  // bytes that went (blobs other images share stay and are not counted).
  struct PruneOptions {
    bool danglingOnly = true;
    std::optional<int64_t> untilNanos;
    std::vector<std::string> labels, notLabels;
  };
  struct PruneResult {
    std::vector<DeleteItem> deleted;
    int64_t spaceReclaimed = 0;
  };
  Result<PruneResult> prune(const PruneOptions& opts);

  // ---- pull (image_pull.cpp) ----
  // A pull is two steps so that the network part needs no lock on the metadata DB:
  // pullContent downloads, verifies and unpacks into the content store and snapshotter (safe
  // beside other users of those), filling `plan`; pullCommit then writes the image row, its
  // tag and its repo digest (under the caller's DB lock), after checking that nothing it
  // needs was removed meanwhile. pullAbort removes what a failed pull added that no image
  // uses.
  struct PullOptions {
    std::string ref;       // as the user wrote it ("busybox", "localhost:5000/a:1", "x@sha256:")
    std::string platform;  // "os/arch[/variant]"; empty: the host's
    RegistryCredentials credentials;
    RegistryOptions registry;
  };
  struct PullProgress {
    std::string id;      // short layer digest, or the tag for the first line; may be empty
    std::string status;  // docker's words: "Pulling fs layer", "Downloading", "Pull complete"
    int64_t current = 0, total = 0;  // bytes, for "Downloading"
  };
  struct PullPlan {
    std::string normalizedRef;  // the tag (or digest) reference to record
    std::string repoDigest;     // "docker.io/library/busybox@sha256:<top manifest digest>"
    std::string manifestDigest, configDigest;
    std::vector<std::string> layerDigests, chainIds;
    int64_t size = 0, created = 0;
    std::vector<std::string> addedBlobs, addedChains;  // for pullAbort
    // Held from the first lookup of a blob until the image row is written (pullCommit) or
    // the pull is abandoned: garbage collection and rmi leave what it holds alone.
    std::shared_ptr<store::Lease> lease;
  };
  Status pullContent(const PullOptions& opts, PullPlan& plan,
                     const std::function<void(const PullProgress&)>& progress);
  // *updated: whether the tag now points somewhere new ("Downloaded newer image").
  Result<Image> pullCommit(const PullPlan& plan, bool* updated);
  // Releases the pull's lease first: what it added is then garbage like any other.
  void pullAbort(PullPlan& plan);

  // ---- push (image_push.cpp) ----
  // pushPlan reads what to send (metadata DB: under the caller's lock); pushContent sends it
  // (the content store only, no lock): blobs the repository lacks (HEAD first) by monolithic
  // upload, then the manifest by tag.
  struct PushPlan {
    std::string domain, repository, tag;  // "localhost:5000", "team/app", "1"
    std::string manifestJson, manifestMediaType;
    std::vector<oci::Descriptor> blobs;  // config first, then the layers
    // Other repositories of the same registry the image has a tag or repo digest in: its
    // blobs are mounted from there rather than uploaded (docker's cross-repository mount).
    std::vector<std::string> mountSources;
  };
  struct PushResult {
    std::string tag, digest;
    int64_t size = 0;
  };
  Result<PushPlan> pushPlan(const std::string& ref);
  Result<PushResult> pushContent(const PushPlan& plan, const RegistryCredentials& creds,
                                 RegistryOptions registry,
                                 const std::function<void(const PullProgress&)>& progress);

  // ---- garbage collection (image_gc.cpp; docs/storage.md) ----
  // A mark-and-sweep pass: marks every blob and snapshot that an image record (its manifest,
  // config and layers; the chain ids of its config) or a container (its image's config and
  // chain ids, even if the image row were gone) refers to, then removes every other blob and
  // snapshot that no lease holds, and the temp files dead writers left (ingest files once per
  // process, temp snapshot dirs of dead processes). If an image's manifest or config cannot
  // be read its references are unknown, so nothing but temp files is swept in that pass.
  // Needs the metadata DB (the caller's lock), like remove().
  struct GcReport {
    int blobs = 0, snapshots = 0, tempFiles = 0;
    int64_t bytes = 0;     // blob bytes removed (snapshots are not measured before they go)
    bool partial = false;  // some image could not be read: no blob or snapshot was swept
  };
  Result<GcReport> collectGarbage();

  // ---- disk usage (image_usage.cpp; `docker system df`) ----
  // Two steps, so that the slow part needs neither the DB nor the API loop: usagePlan reads
  // the records (the caller's DB rules), measureUsage sizes blobs (stat) and snapshots (du,
  // cached per snapshot by the snapshotter) and may run on any thread.
  struct UsagePlan {
    struct Entry {
      Image image;
      std::vector<std::string> blobs, chains;  // manifest, config, layers; chain ids
    };
    std::vector<Entry> images;
    std::vector<std::string> allBlobs, allChains;  // everything in the store
  };
  Result<UsagePlan> usagePlan();
  struct ImageUsage {
    Image image;
    int64_t size = 0;          // its blobs + its unpacked snapshots, bytes on disk
    int64_t sharedSize = 0;    // the part of size that another image also refers to
    int64_t unpackedSize = 0;  // its snapshots alone (what a container's rootfs adds)
  };
  struct UsageReport {
    int64_t layersSize = 0;  // every blob and snapshot in the store, once
    std::vector<ImageUsage> images;
  };
  UsageReport measureUsage(const UsagePlan& plan);

 private:
  Result<Image> load(const store::ImageRow& row);
  // Deletes the image row, then the blobs and snapshots no remaining image refers to.
  Status deleteImageData(const std::string& id);
  // Every blob and chain id some image or container refers to. *complete (if given) turns
  // false when an image's manifest or config could not be read (its references are unknown).
  Status referenced(std::set<std::string>* blobs, std::set<std::string>* chainIds,
                    bool* complete = nullptr);
  // Remove a blob or snapshot unless a lease holds it (under the lease lock). True if removed.
  Result<bool> removeBlob(const std::string& digest);
  Result<bool> removeSnapshot(const std::string& chainId);
  // Removes those of `blobs` and `chainIds` (bottom-most first) no image refers to: the
  // rollback of an import, load or pull that failed half-way.
  void removeUnreferenced(const std::vector<std::string>& blobs,
                          const std::vector<std::string>& chainIds);

  store::ContentStore& content_;
  store::Snapshotter& snapshots_;
  store::MetadataDb& db_;
  std::unique_ptr<store::LeaseManager> ownLeases_;  // when none was given
  store::LeaseManager& leases_;
};

}  // namespace wharf::image
