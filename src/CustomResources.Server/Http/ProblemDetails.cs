using System.Text.Json.Nodes;
using CustomResources.Core.Errors;

namespace CustomResources.Server.Http;

/// <summary>RFC 9457 problem details for the Oakestra façade, with one <c>errors[]</c> entry per field problem.</summary>
public static class ProblemDetails
{
    public static JsonObject From(ApiException error, string instance)
    {
        var problem = new JsonObject
        {
            ["type"] = "about:blank",
            ["title"] = Title(error.Code),
            ["status"] = error.Code,
            ["detail"] = error.Message,
            ["instance"] = instance,
        };
        if (error.Causes.Count > 0)
        {
            problem["errors"] = new JsonArray(error.Causes.Select(c => (JsonNode)new JsonObject
            {
                ["field"] = c.Field,
                ["message"] = c.Message,
            }).ToArray());
        }

        return problem;
    }

    private static string Title(int code) => code switch
    {
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        _ => "Error",
    };
}
