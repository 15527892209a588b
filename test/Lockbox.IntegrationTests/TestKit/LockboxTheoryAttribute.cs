namespace Lockbox.IntegrationTests.TestKit;

/// <summary>
/// The theory form of <see cref="LockboxFactAttribute"/>: behaviour only Lockbox is held to here,
/// skipped against LOCKBOX_TEST_ENDPOINT unless LOCKBOX_TEST_RUN_ALL is set.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class LockboxTheoryAttribute : TheoryAttribute
{
    public LockboxTheoryAttribute(string reason)
    {
        Reason = reason;
        if (TestEnvironment.ExternalEndpoint is not null && !TestEnvironment.RunAll)
        {
            Skip = "Lockbox-only (skipped against LOCKBOX_TEST_ENDPOINT): " + reason;
        }
    }

    public string Reason { get; }
}
