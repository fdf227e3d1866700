using CustomResources.Core.Auditing;

namespace CustomResources.Core.Tests.Auditing;

public sealed class AuditQueryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly AuditRecord Record = AuditRecordTests.Sample(T0);

    [Fact]
    public void An_empty_query_matches_everything() =>
        Assert.True(AuditQuery.All.Matches(Record));

    [Fact]
    public void Since_is_inclusive_and_until_exclusive()
    {
        Assert.True(new AuditQuery { Since = T0 }.Matches(Record));
        Assert.False(new AuditQuery { Since = T0.AddTicks(1) }.Matches(Record));
        Assert.False(new AuditQuery { Until = T0 }.Matches(Record));
        Assert.True(new AuditQuery { Until = T0.AddTicks(1) }.Matches(Record));
        Assert.True(new AuditQuery { Since = T0.AddHours(-1), Until = T0.AddHours(1) }.Matches(Record));
    }

    [Fact]
    public void Times_compare_across_offsets() =>
        Assert.True(new AuditQuery { Since = new DateTimeOffset(2026, 11, 30, 14, 0, 0, TimeSpan.FromHours(2)) }.Matches(Record));

    [Theory]
    [InlineData("alice", true)]
    [InlineData("bob", false)]
    [InlineData("Alice", false)]
    public void User_filters(string user, bool match) =>
        Assert.Equal(match, new AuditQuery { User = user }.Matches(Record));

    [Theory]
    [InlineData("create", true)]
    [InlineData("delete", false)]
    public void Verb_filters(string verb, bool match) =>
        Assert.Equal(match, new AuditQuery { Verb = verb }.Matches(Record));

    [Theory]
    [InlineData("team-a", true)]
    [InlineData("team-b", false)]
    [InlineData("", false)]
    public void Namespace_filters(string ns, bool match) =>
        Assert.Equal(match, new AuditQuery { Namespace = ns }.Matches(Record));

    [Fact]
    public void An_empty_namespace_selects_cluster_scoped_requests() =>
        Assert.True(new AuditQuery { Namespace = "" }.Matches(Record with { Namespace = "" }));

    [Theory]
    [InlineData("crontabs", true)]
    [InlineData("secrets", false)]
    public void Resource_filters(string resource, bool match) =>
        Assert.Equal(match, new AuditQuery { Resource = resource }.Matches(Record));

    [Fact]
    public void All_criteria_must_hold()
    {
        var query = new AuditQuery { User = "alice", Verb = "create", Namespace = "team-a", Resource = "crontabs", Since = T0 };

        Assert.True(query.Matches(Record));
        Assert.False((query with { Verb = "patch" }).Matches(Record));
    }

    [Fact]
    public void Limit_does_not_filter_and_must_be_positive()
    {
        Assert.True(new AuditQuery { Limit = 1 }.Matches(Record));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AuditQuery { Limit = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new AuditQuery { Limit = -3 });
    }
}
