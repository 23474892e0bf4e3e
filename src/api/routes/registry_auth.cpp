// POST /auth (swagger: SystemAuth): `docker login` asks the daemon to check credentials
// against a registry; the client stores them itself.

#include "api/internal/routes.h"

namespace wharf::api {

namespace {

std::string stringField(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

void addRegistryRoutes(Router& router, RouteContextPtr ctx) {
  router.add("POST", "/auth", "SystemAuth", [ctx](const Request& req, ResponderPtr r) {
    auto body = parseJson(req.body, "request body");
    if (!body.ok()) return replyError(*r, body.error());
    if (!body->is_object())
      return replyError(*r, invalidArgument("request body: expected an AuthConfig object"));
    engine::RegistryLogin login;
    login.username = stringField(*body, "username");
    login.password = stringField(*body, "password");
    login.serverAddress = stringField(*body, "serveraddress");
    login.identityToken = stringField(*body, "identitytoken");
    login.registryToken = stringField(*body, "registrytoken");
    ctx->images.login(std::move(login), [r](const Status& st) {
      if (!st.ok()) return replyError(*r, st.error());
      // No identity token: wharf's registries hand none out, and the client keeps the password.
      replyJson(*r, 200, {{"Status", "Login Succeeded"}, {"IdentityToken", ""}});
    });
  });
}

}  // namespace wharf::api
