using System.Net;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Lockbox.IntegrationTests.TestKit;

namespace Lockbox.IntegrationTests.Ec2;

/// <summary>The EC2 subset through the AWS SDK for .NET (AWSSDK.EC2): shapes, paging and errors as the SDK parses them.</summary>
[Collection(LockboxCollection.Name)]
public sealed class Ec2SdkTests(LockboxServerFixture fixture)
{
    private AmazonEC2Client CreateClient(string? accessKey = null, string? secretKey = null) =>
        new(new BasicAWSCredentials(accessKey ?? fixture.AccessKey, secretKey ?? fixture.SecretKey), new AmazonEC2Config
        {
            ServiceURL = fixture.Endpoint,
            AuthenticationRegion = fixture.Region,
            MaxErrorRetry = 1,
            Timeout = TimeSpan.FromSeconds(30),
        });

    [LockboxFact("EC2 is Lockbox's own addition to the DynamoDB endpoint")]
    public async Task Run_describe_page_and_terminate_with_the_dotnet_sdk()
    {
        using var ec2 = CreateClient();
        var tag = "sdk-" + Guid.NewGuid().ToString("N")[..10];
        var run = await ec2.RunInstancesAsync(new RunInstancesRequest
        {
            ImageId = "ami-0abcdef1234567890",
            InstanceType = InstanceType.T3Micro,
            MinCount = 6,
            MaxCount = 6,
            TagSpecifications = [new TagSpecification { ResourceType = ResourceType.Instance, Tags = [new Tag("Name", tag)] }],
            MetadataOptions = new InstanceMetadataOptionsRequest { HttpTokens = HttpTokensState.Required },
        });
        Assert.Equal(6, run.Reservation.Instances.Count);
        Assert.All(run.Reservation.Instances, i =>
        {
            Assert.Matches("^i-[0-9a-f]{17}$", i.InstanceId);
            Assert.Equal(InstanceStateName.Pending, i.State.Name);
            Assert.Equal(HttpTokensState.Required, i.MetadataOptions.HttpTokens);
            Assert.Equal(tag, Assert.Single(i.Tags).Value);
        });
        Assert.Matches("^r-[0-9a-f]{17}$", run.Reservation.ReservationId);

        var filter = new List<Filter> { new("tag:Name", [tag]) };
        var first = await ec2.DescribeInstancesAsync(new DescribeInstancesRequest { Filters = filter, MaxResults = 5 });
        Assert.Equal(5, first.Reservations.SelectMany(r => r.Instances).Count());
        Assert.False(string.IsNullOrEmpty(first.NextToken));
        var second = await ec2.DescribeInstancesAsync(new DescribeInstancesRequest { Filters = filter, MaxResults = 5, NextToken = first.NextToken });
        Assert.Single(second.Reservations.SelectMany(r => r.Instances));
        Assert.True(string.IsNullOrEmpty(second.NextToken));

        var ids = run.Reservation.Instances.Select(i => i.InstanceId).ToList();
        var terminated = await ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = ids });
        Assert.All(terminated.TerminatingInstances, t => Assert.Equal(InstanceStateName.ShuttingDown, t.CurrentState.Name));
        var states = await ec2.DescribeInstancesAsync(new DescribeInstancesRequest
        {
            Filters = [new Filter("tag:Name", [tag]), new Filter("instance-state-name", ["running", "pending"])],
        });
        Assert.Empty(states.Reservations ?? []); // SDK v4 leaves empty lists null
    }

    [LockboxFact("EC2 is Lockbox's own addition to the DynamoDB endpoint")]
    public async Task Errors_reach_the_sdk_with_EC2s_codes_and_statuses()
    {
        using var ec2 = CreateClient();
        var notFound = await Assert.ThrowsAsync<AmazonEC2Exception>(() =>
            ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = ["i-0123456789abcdef0"] }));
        Assert.Equal("InvalidInstanceID.NotFound", notFound.ErrorCode);
        Assert.Equal(HttpStatusCode.BadRequest, notFound.StatusCode);
        Assert.Equal("The instance ID 'i-0123456789abcdef0' does not exist", notFound.Message);
        Assert.False(string.IsNullOrEmpty(notFound.RequestId));

        var malformed = await Assert.ThrowsAsync<AmazonEC2Exception>(() =>
            ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = ["i-nothex"] }));
        Assert.Equal("InvalidInstanceID.Malformed", malformed.ErrorCode);

        var association = await Assert.ThrowsAsync<AmazonEC2Exception>(() =>
            ec2.DisassociateIamInstanceProfileAsync(new DisassociateIamInstanceProfileRequest { AssociationId = "iip-assoc-0123456789abcdef0" }));
        Assert.Equal("InvalidAssociationID.NotFound", association.ErrorCode);

        using var stranger = CreateClient("AKIAIOSFODNN7UNKNOWN", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYUNKNOWNKEY");
        var auth = await Assert.ThrowsAsync<AmazonEC2Exception>(() => stranger.DescribeInstancesAsync(new DescribeInstancesRequest()));
        Assert.Equal("AuthFailure", auth.ErrorCode);
        Assert.Equal(HttpStatusCode.Unauthorized, auth.StatusCode);
    }
}
