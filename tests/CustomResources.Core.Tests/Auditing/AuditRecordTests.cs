using System.Text.Json.Nodes;
using CustomResources.Core.Auditing;
using CustomResources.Core.Security;

namespace CustomResources.Core.Tests.Auditing;

public sealed class AuditRecordTests
{
    internal static AuditRecord Sample(DateTimeOffset? time = null) => new()
    {
        Time = time ?? new DateTimeOffset(2026, 11, 30, 11, 5, 0, 123, TimeSpan.Zero),
        RequestId = "req-1",
        User = "alice",
        Groups = ["team-a", "system:authenticated"],
        Verb = "create",
        ApiGroup = "stable.example.com",
        Resource = "crontabs",
        Subresource = "",
        Namespace = "team-a",
        Name = "tab1",
        Method = "POST",
        Path = "/apis/stable.example.com/v1/namespaces/team-a/crontabs",
        StatusCode = 201,
        SourceIp = "127.0.0.1",
        UserAgent = "kubectl/v1.32.0",
    };

    [Fact]
    public void A_record_survives_a_json_round_trip()
    {
        var record = Sample() with { Reason = "Conflict", StatusCode = 409 };

        Assert.True(AuditJson.TryDeserialize(AuditJson.Serialize(record), out var back));

        Assert.Equal(record, back);
    }

    [Fact]
    public void Json_uses_camel_case_and_iso_utc_times_on_one_line()
    {
        var line = AuditJson.Serialize(Sample(new DateTimeOffset(2026, 11, 30, 13, 5, 0, TimeSpan.FromHours(2))) with { UserAgent = "a\nb" });

        Assert.DoesNotContain('\n', line);
        var json = JsonNode.Parse(line)!.AsObject();
        Assert.Equal("2026-11-30T11:05:00.0000000Z", (string?)json["time"]);
        Assert.Equal("alice", (string?)json["user"]);
        Assert.Equal("stable.example.com", (string?)json["apiGroup"]);
        Assert.Equal(201, (int?)json["statusCode"]);
        Assert.Equal(["team-a", "system:authenticated"], json["groups"]!.AsArray().Select(g => (string?)g));
        Assert.False(json.ContainsKey("reason"));
    }

    [Fact]
    public void Time_is_kept_in_utc()
    {
        var record = Sample(new DateTimeOffset(2026, 1, 1, 3, 0, 0, TimeSpan.FromHours(3)));

        Assert.Equal(TimeSpan.Zero, record.Time.Offset);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), record.Time);
    }

    [Theory]
    [InlineData("/api/v1/namespaces/a/secrets?token=s3cret", "/api/v1/namespaces/a/secrets")]
    [InlineData("/apis/g/v1/things?dryRun=All&sig=abc#frag", "/apis/g/v1/things")]
    [InlineData("/apis/g/v1/things#x?y", "/apis/g/v1/things")]
    [InlineData("https://user:pass@host:6443/apis/g/v1/x?access_token=t", "/apis/g/v1/x")]
    [InlineData("/plain", "/plain")]
    [InlineData("", "")]
    public void No_query_string_ends_up_in_a_record(string given, string kept)
    {
        var record = Sample() with { Path = given };

        Assert.Equal(kept, record.Path);
        Assert.DoesNotContain("s3cret", AuditJson.Serialize(record), StringComparison.Ordinal);
        Assert.DoesNotContain('?', AuditJson.Serialize(record));
    }

    [Fact]
    public void A_query_string_in_a_json_line_is_cut_when_read_back()
    {
        var line = AuditJson.Serialize(Sample()).Replace("/crontabs\"", "/crontabs?token=s3cret\"", StringComparison.Ordinal);

        Assert.True(AuditJson.TryDeserialize(line, out var record));

        Assert.Equal("/apis/stable.example.com/v1/namespaces/team-a/crontabs", record.Path);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("{\"time\":\"2026-11-30T11:05:00Z\",\"user\":\"al")]
    [InlineData("{\"user\":\"alice\"}")]
    [InlineData("{\"time\":\"yesterday\"}")]
    [InlineData("[1,2]")]
    [InlineData("null")]
    public void Broken_lines_are_not_records(string line) =>
        Assert.False(AuditJson.TryDeserialize(line, out _));

    [Theory]
    [InlineData("create", true)]
    [InlineData("update", true)]
    [InlineData("patch", true)]
    [InlineData("delete", true)]
    [InlineData("deletecollection", true)]
    [InlineData("get", false)]
    [InlineData("list", false)]
    [InlineData("watch", false)]
    public void Mutating_verbs_are_the_ones_to_audit(string verb, bool mutating) =>
        Assert.Equal(mutating, AuditRecord.IsMutating(verb));

    [Theory]
    [InlineData(200, null)]
    [InlineData(201, null)]
    [InlineData(403, "Forbidden")]
    [InlineData(404, "NotFound")]
    [InlineData(409, "Conflict")]
    [InlineData(422, "Invalid")]
    [InlineData(418, "BadRequest")]
    [InlineData(500, "InternalError")]
    [InlineData(502, "InternalError")]
    public void Reasons_follow_kubernetes_status_reasons(int code, string? reason) =>
        Assert.Equal(reason, AuditRecord.ReasonFor(code));

    [Fact]
    public void Records_with_equal_groups_are_equal()
    {
        var a = Sample() with { Groups = ["x", "y"] };
        var b = Sample() with { Groups = new List<string> { "x", "y" } };

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, b with { Groups = ["y", "x"] });
    }

    [Fact]
    public void From_takes_the_user_and_request_attributes()
    {
        var attributes = RequestAttributes.ForResource("patch", "stable.example.com", "crontabs", "team-a", "tab1", subresource: "status");
        var time = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.FromHours(1));

        var record = AuditRecord.From(time, UserInfo.Authenticated("alice", "team-a"), attributes, "PATCH",
            "/apis/stable.example.com/v1/namespaces/team-a/crontabs/tab1/status?fieldManager=kubectl", 403, "req-9", sourceIp: "10.0.0.1", userAgent: "kubectl");

        Assert.Equal(time.ToUniversalTime(), record.Time);
        Assert.Equal("alice", record.User);
        Assert.Equal(["team-a", "system:authenticated"], record.Groups);
        Assert.Equal(("patch", "stable.example.com", "crontabs", "status", "team-a", "tab1"), (record.Verb, record.ApiGroup, record.Resource, record.Subresource, record.Namespace, record.Name));
        Assert.Equal("/apis/stable.example.com/v1/namespaces/team-a/crontabs/tab1/status", record.Path);
        Assert.Equal((403, "Forbidden", "req-9", "10.0.0.1", "kubectl"), (record.StatusCode, record.Reason, record.RequestId, record.SourceIp, record.UserAgent));
    }

    [Fact]
    public void From_keeps_a_reason_given_by_the_caller() =>
        Assert.Equal("AlreadyExists", AuditRecord.From(DateTimeOffset.UnixEpoch, UserInfo.Anonymous, RequestAttributes.ForResource("create", "", "configmaps", "a"), "POST", "/api/v1/namespaces/a/configmaps", 409, reason: "AlreadyExists").Reason);

    [Fact]
    public async Task The_null_sink_accepts_and_keeps_nothing() =>
        await NullAuditSink.Instance.WriteAsync(Sample(), CancellationToken.None);
}
