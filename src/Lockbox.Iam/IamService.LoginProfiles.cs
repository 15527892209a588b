using Lockbox.Protocols.Query;

namespace Lockbox.Iam;

/// <summary>Login profiles (console passwords) and the account password policy.</summary>
public sealed partial class IamService
{
    /// <summary>The symbols RequireSymbols asks for (IAM's list).</summary>
    private const string PasswordSymbols = "!@#$%^&*()_+-=[]{}|'";

    private static bool? Bool(Call call, string name)
    {
        if (!call.Request.TryGetBool(name, out var value))
        {
            throw IamErrors.Validation($"1 validation error detected: Value '{call.Request.Get(name)}' at '{char.ToLowerInvariant(name[0])}{name[1..]}' failed to satisfy constraint: Member must be a boolean");
        }

        return value;
    }

    private static int? Int(Call call, string name)
    {
        if (!call.Request.TryGetInt(name, out var value))
        {
            throw IamErrors.Validation($"1 validation error detected: Value '{call.Request.Get(name)}' at '{char.ToLowerInvariant(name[0])}{name[1..]}' failed to satisfy constraint: Member must be a number");
        }

        return value;
    }

    /// <summary>
    /// Checks a new password against the account password policy, or against AWS's default
    /// policy when the account has none (at least 8 characters, three of the four character
    /// classes). Throws PasswordPolicyViolation naming the first rule broken.
    /// </summary>
    internal static void CheckPassword(PasswordPolicyEntity? policy, string password)
    {
        var upper = password.Any(char.IsAsciiLetterUpper);
        var lower = password.Any(char.IsAsciiLetterLower);
        var digit = password.Any(char.IsAsciiDigit);
        var symbol = password.Any(c => PasswordSymbols.Contains(c, StringComparison.Ordinal));
        if (policy is null)
        {
            var classes = (upper ? 1 : 0) + (lower ? 1 : 0) + (digit ? 1 : 0) + (symbol ? 1 : 0);
            if (password.Length < 8 || classes < 3)
            {
                throw IamErrors.PasswordPolicyViolation("Password does not conform to the account password policy.");
            }

            return;
        }

        if (password.Length < policy.MinimumPasswordLength)
        {
            throw IamErrors.PasswordPolicyViolation($"Password should have a minimum length of {policy.MinimumPasswordLength}");
        }

        if (policy.RequireUppercaseCharacters && !upper)
        {
            throw IamErrors.PasswordPolicyViolation("Password should have at least one uppercase letter");
        }

        if (policy.RequireLowercaseCharacters && !lower)
        {
            throw IamErrors.PasswordPolicyViolation("Password should have at least one lowercase letter");
        }

        if (policy.RequireNumbers && !digit)
        {
            throw IamErrors.PasswordPolicyViolation("Password should have at least one number");
        }

        if (policy.RequireSymbols && !symbol)
        {
            throw IamErrors.PasswordPolicyViolation("Password should have at least one symbol");
        }
    }

    private static void WriteLoginProfile(QueryXmlWriter w, UserEntity user, LoginProfileEntity profile) =>
        w.Start("LoginProfile")
            .Element("UserName", user.Name)
            .Element("CreateDate", profile.CreateDate)
            .Element("PasswordResetRequired", profile.PasswordResetRequired)
            .End();

    private void CreateLoginProfile(Call call)
    {
        var password = call.Required("Password");
        var resetRequired = Bool(call, "PasswordResetRequired") ?? false;
        Authorize(call, KeyOwnerArn(call));
        _store.Read(state =>
        {
            var user = KeyOwner(state, call);
            if (state.LoginProfiles.ContainsKey(user.Id))
            {
                throw IamErrors.EntityAlreadyExists($"Login Profile for user {user.Name} already exists.");
            }

            CheckPassword(state.PasswordPolicy, password);
            return 0;
        });

        // The slow hash runs outside the store's lock.
        var hash = PasswordHasher.Hash(password);
        _store.Write(state =>
        {
            var user = KeyOwner(state, call);
            if (state.LoginProfiles.ContainsKey(user.Id))
            {
                throw IamErrors.EntityAlreadyExists($"Login Profile for user {user.Name} already exists.");
            }

            var profile = new LoginProfileEntity { UserId = user.Id, CreateDate = Now(), PasswordResetRequired = resetRequired, PasswordHash = hash };
            state.LoginProfiles[user.Id] = profile;
            state.Save(profile);
            WriteLoginProfile(call.Writer, user, profile);
            return 0;
        });
    }

    private void GetLoginProfile(Call call)
    {
        Authorize(call, KeyOwnerArn(call));
        _store.Read(state =>
        {
            var user = KeyOwner(state, call);
            var profile = state.LoginProfiles.GetValueOrDefault(user.Id) ?? throw IamErrors.NoSuchLoginProfile(user.Name);
            WriteLoginProfile(call.Writer, user, profile);
            return 0;
        });
    }

    private void UpdateLoginProfile(Call call)
    {
        var password = call.Optional("Password");
        var resetRequired = Bool(call, "PasswordResetRequired");
        Authorize(call, KeyOwnerArn(call));
        _store.Read(state =>
        {
            var user = KeyOwner(state, call);
            _ = state.LoginProfiles.GetValueOrDefault(user.Id) ?? throw IamErrors.NoSuchLoginProfile(user.Name);
            if (password is not null)
            {
                CheckPassword(state.PasswordPolicy, password);
            }

            return 0;
        });

        var hash = password is null ? null : PasswordHasher.Hash(password);
        _store.Write(state =>
        {
            var user = KeyOwner(state, call);
            var profile = state.LoginProfiles.GetValueOrDefault(user.Id) ?? throw IamErrors.NoSuchLoginProfile(user.Name);
            if (hash is not null)
            {
                profile.PasswordHash = hash;
            }

            if (resetRequired is { } reset)
            {
                profile.PasswordResetRequired = reset;
            }

            state.Save(profile);
            return 0;
        });
    }

    private void DeleteLoginProfile(Call call)
    {
        Authorize(call, KeyOwnerArn(call));
        _store.Write(state =>
        {
            var user = KeyOwner(state, call);
            var profile = state.LoginProfiles.GetValueOrDefault(user.Id) ?? throw IamErrors.NoSuchLoginProfile(user.Name);
            state.LoginProfiles.Remove(user.Id);
            state.Delete(profile);
            return 0;
        });
    }

    private void UpdateAccountPasswordPolicy(Call call)
    {
        // Every member not given returns to its default, as IAM does.
        var policy = new PasswordPolicyEntity
        {
            MinimumPasswordLength = Int(call, "MinimumPasswordLength") ?? 6,
            RequireSymbols = Bool(call, "RequireSymbols") ?? false,
            RequireNumbers = Bool(call, "RequireNumbers") ?? false,
            RequireUppercaseCharacters = Bool(call, "RequireUppercaseCharacters") ?? false,
            RequireLowercaseCharacters = Bool(call, "RequireLowercaseCharacters") ?? false,
            AllowUsersToChangePassword = Bool(call, "AllowUsersToChangePassword") ?? false,
            MaxPasswordAge = Int(call, "MaxPasswordAge"),
            PasswordReusePrevention = Int(call, "PasswordReusePrevention"),
            HardExpiry = Bool(call, "HardExpiry"),
        };
        Authorize(call, "*");
        _store.Write(state =>
        {
            state.PasswordPolicy = policy;
            state.Save(policy);
            return 0;
        });
    }

    private void GetAccountPasswordPolicy(Call call)
    {
        Authorize(call, "*");
        _store.Read(state =>
        {
            var policy = state.PasswordPolicy ?? throw IamErrors.NoSuchPasswordPolicy();
            var w = call.Writer.Start("PasswordPolicy")
                .Element("MinimumPasswordLength", policy.MinimumPasswordLength)
                .Element("RequireSymbols", policy.RequireSymbols)
                .Element("RequireNumbers", policy.RequireNumbers)
                .Element("RequireUppercaseCharacters", policy.RequireUppercaseCharacters)
                .Element("RequireLowercaseCharacters", policy.RequireLowercaseCharacters)
                .Element("AllowUsersToChangePassword", policy.AllowUsersToChangePassword)
                .Element("ExpirePasswords", policy.MaxPasswordAge is > 0);
            if (policy.MaxPasswordAge is { } age)
            {
                w.Element("MaxPasswordAge", age);
            }

            if (policy.PasswordReusePrevention is { } reuse)
            {
                w.Element("PasswordReusePrevention", reuse);
            }

            if (policy.HardExpiry is { } hard)
            {
                w.Element("HardExpiry", hard);
            }

            w.End();
            return 0;
        });
    }

    private void DeleteAccountPasswordPolicy(Call call)
    {
        Authorize(call, "*");
        _store.Write(state =>
        {
            _ = state.PasswordPolicy ?? throw IamErrors.NoSuchPasswordPolicy();
            state.PasswordPolicy = null;
            state.DeletePasswordPolicy();
            return 0;
        });
    }
}
