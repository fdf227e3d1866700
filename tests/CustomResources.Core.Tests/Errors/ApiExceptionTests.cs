using System.Text.Json.Nodes;
using CustomResources.Core.Errors;

namespace CustomResources.Core.Tests.Errors;

public sealed class ApiExceptionTests
{
    [Fact]
    public void Not_found_status_names_the_object()
    {
        var status = ApiException.NotFound("crontabs", "stable.example.com", "nightly").ToStatus();

        AssertJson("""
            {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
             "message":"crontabs.stable.example.com \"nightly\" not found","reason":"NotFound",
             "details":{"name":"nightly","group":"stable.example.com","kind":"crontabs"},"code":404}
            """, status);
    }

    [Fact]
    public void Core_group_resources_are_not_qualified()
    {
        var status = ApiException.NotFound("namespaces", "", "team-a").ToStatus();

        Assert.Equal("namespaces \"team-a\" not found", status["message"]!.GetValue<string>());
        Assert.Equal("", status["details"]!["group"]!.GetValue<string>());
    }

    [Fact]
    public void Already_exists_status()
    {
        var status = ApiException.AlreadyExists("crontabs", "stable.example.com", "nightly").ToStatus();

        AssertJson("""
            {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
             "message":"crontabs.stable.example.com \"nightly\" already exists","reason":"AlreadyExists",
             "details":{"name":"nightly","group":"stable.example.com","kind":"crontabs"},"code":409}
            """, status);
    }

    [Fact]
    public void Conflict_status_says_the_operation_cannot_be_fulfilled()
    {
        var status = ApiException.Conflict("crontabs", "stable.example.com", "nightly", "the object has been modified").ToStatus();

        Assert.Equal("Operation cannot be fulfilled on crontabs.stable.example.com \"nightly\": the object has been modified", status["message"]!.GetValue<string>());
        Assert.Equal("Conflict", status["reason"]!.GetValue<string>());
        Assert.Equal(409, status["code"]!.GetValue<int>());
    }

    [Fact]
    public void Invalid_with_one_cause_names_the_field_in_the_message()
    {
        var cause = FieldError.Invalid("spec.replicas", JsonValue.Create(50), "must be less than or equal to 10");

        var status = ApiException.Invalid("CronTab", "stable.example.com", "nightly", [cause]).ToStatus();

        AssertJson("""
            {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
             "message":"CronTab.stable.example.com \"nightly\" is invalid: spec.replicas: Invalid value: 50: must be less than or equal to 10",
             "reason":"Invalid",
             "details":{"name":"nightly","group":"stable.example.com","kind":"CronTab",
                        "causes":[{"reason":"FieldValueInvalid","message":"Invalid value: 50: must be less than or equal to 10","field":"spec.replicas"}]},
             "code":422}
            """, status);
    }

    [Fact]
    public void Invalid_with_several_causes_lists_them_in_brackets()
    {
        FieldError[] causes = [FieldError.Required("spec.image"), FieldError.Invalid("spec.replicas", JsonValue.Create(50), "too many")];

        var status = ApiException.Invalid("CronTab", "stable.example.com", "nightly", causes).ToStatus();

        Assert.Equal("CronTab.stable.example.com \"nightly\" is invalid: [spec.image: Required value, spec.replicas: Invalid value: 50: too many]", status["message"]!.GetValue<string>());
        Assert.Equal(["spec.image", "spec.replicas"], status["details"]!["causes"]!.AsArray().Select(c => c!["field"]!.GetValue<string>()));
        Assert.Equal(["FieldValueRequired", "FieldValueInvalid"], status["details"]!["causes"]!.AsArray().Select(c => c!["reason"]!.GetValue<string>()));
    }

    [Fact]
    public void Invalid_in_the_core_group_uses_the_bare_kind()
    {
        var error = ApiException.Invalid("Namespace", "", "Bad", [FieldError.Required("metadata.name")]);

        Assert.Equal("Namespace \"Bad\" is invalid: metadata.name: Required value", error.Message);
    }

    [Fact]
    public void Error_without_subject_or_causes_has_no_details()
    {
        var status = ApiException.BadRequest("bad body").ToStatus();

        AssertJson("""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"bad body","reason":"BadRequest","code":400}""", status);
    }

    [Fact]
    public void Gone_is_410_expired()
    {
        var error = ApiException.Gone("too old");

        Assert.Equal((410, "Expired"), (error.Code, error.Reason));
    }

    [Fact]
    public void Field_error_messages_render_values_like_kubernetes()
    {
        Assert.Equal("Invalid value: \"x\": bad", FieldError.Invalid("f", "x", "bad").Message);
        Assert.Equal("Invalid value: \"string\": f in body must be of type integer: \"string\"", FieldError.TypeInvalid("f", JsonValue.Create("string"), "integer").Message);
        Assert.Equal("Unsupported value: \"a\": supported values: \"b\", \"c\"", FieldError.NotSupported("f", JsonValue.Create("a"), ["b", "c"]).Message);
        Assert.Equal("Duplicate value: 1", FieldError.Duplicate("f", JsonValue.Create(1)).Message);
        Assert.Equal("Forbidden: no", FieldError.Forbidden("f", "no").Message);
        Assert.Equal("Required value: why", FieldError.Required("f", "why").Message);
        Assert.EndsWith("...", FieldError.Render(JsonValue.Create(new string('x', 300))), StringComparison.Ordinal);
    }

    private static void AssertJson(string expected, JsonObject actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), actual.ToJsonString());
}
