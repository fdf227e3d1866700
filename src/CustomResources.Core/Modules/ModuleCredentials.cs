using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using CustomResources.Core.Authentication;
using CustomResources.Core.Security;

namespace CustomResources.Core.Modules;

/// <summary>
/// The credential a module receives (<c>CUSTOMRESOURCES_TOKEN</c>): a server-issued bearer token derived from a server
/// key and the Module's uid, so it can be handed to a restarted workload again without being stored anywhere (the store
/// keeps only its hash, as for every token). <c>workspace</c> permission: bound to the Module's namespace with the
/// <c>admin</c> role there; <c>controller</c>: cluster-wide with <c>cluster-admin</c> (only cluster admins may write
/// such Modules).
/// </summary>
public sealed class ModuleCredentials(byte[] key)
{
    /// <summary>The user a module acts as.</summary>
    public static string Subject(string ns, string name) => $"{UserInfo.ServiceAccountPrefix}{ns}:module-{name}";

    /// <summary>The binding names used for a module's rights (a RoleBinding in its namespace, or a ClusterRoleBinding).</summary>
    public static string BindingName(string ns, string name, bool controller) => controller ? $"module-{ns}-{name}" : $"module-{name}";

    /// <summary>The token for a Module (same inputs, same token) and the Token object that makes it valid.</summary>
    public (string Token, JsonObject TokenObject) For(string ns, string name, string uid, bool controller)
    {
        ArgumentNullException.ThrowIfNull(uid);
        var id = "mod" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(uid)))[..16];
        var secret = Base64Url.EncodeToString(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes("module-token/" + uid)));
        var record = new TokenRecord(id, BearerTokens.Hash(secret), Subject(ns, name), [], controller ? null : ns, null);
        var obj = TokenDefinitions.ToObject(record);
        obj["metadata"]!["labels"] = new JsonObject { ["modules.customresources.io/namespace"] = ns, ["modules.customresources.io/name"] = name };
        return ($"{BearerTokens.Prefix}{id}.{secret}", obj);
    }

    /// <summary>The RoleBinding (workspace) or ClusterRoleBinding (controller) that gives the module its rights.</summary>
    public static JsonObject Binding(string ns, string name, bool controller)
    {
        var metadata = new JsonObject { ["name"] = BindingName(ns, name, controller) };
        if (!controller)
        {
            metadata["namespace"] = ns;
        }

        return new JsonObject
        {
            ["apiVersion"] = RbacDefinitions.ApiVersion,
            ["kind"] = controller ? "ClusterRoleBinding" : "RoleBinding",
            ["metadata"] = metadata,
            ["roleRef"] = new JsonObject { ["apiGroup"] = RbacDefinitions.Group, ["kind"] = "ClusterRole", ["name"] = controller ? "cluster-admin" : "admin" },
            ["subjects"] = new JsonArray(new JsonObject { ["kind"] = "User", ["apiGroup"] = RbacDefinitions.Group, ["name"] = Subject(ns, name) }),
        };
    }
}
