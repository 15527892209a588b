using System.Text;
using Lockbox.Protocols.Query;
using QRCoder;

namespace Lockbox.Iam;

/// <summary>Virtual MFA devices: create, enable for a user (two consecutive TOTP codes), list, resync, deactivate, delete.</summary>
public sealed partial class IamService
{
    /// <summary>MFA devices a user may have enabled (IAM's quota).</summary>
    private const int MfaDevicesPerUser = 8;

    /// <summary>Steps either side of now the second code of EnableMFADevice may be from.</summary>
    private const int EnableWindow = 2;

    /// <summary>Steps either side of now ResyncMFADevice searches (±10 minutes).</summary>
    private const int ResyncWindow = 20;

    private static MfaDeviceEntity FindMfaDevice(IdentityState state, string serialNumber) =>
        state.MfaDevices.GetValueOrDefault(IdentityStore.Fold(serialNumber)) ?? throw IamErrors.NoSuchMfaDevice(serialNumber);

    /// <summary>The device enabled for <paramref name="user"/> with this serial, or NoSuchEntity.</summary>
    private static MfaDeviceEntity FindUserMfaDevice(IdentityState state, UserEntity user, string serialNumber)
    {
        var device = FindMfaDevice(state, serialNumber);
        return device.UserId == user.Id ? device : throw IamErrors.NoSuchEntity($"MFA Device with serial number {serialNumber} is not enabled for user {user.Name}.");
    }

    /// <summary>The QR code (PNG) of <c>otpauth://totp/NAME@ACCOUNT?secret=SEED</c>, as IAM documents it.</summary>
    internal static byte[] QrCodePng(string text)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        using var png = new PngByteQRCode(data);
        return png.GetGraphic(5);
    }

    private void CreateVirtualMFADevice(Call call)
    {
        var name = call.Required("VirtualMFADeviceName");
        var path = call.Path("Path");
        var tags = ReadTags(call);
        var serial = Arn("mfa", path, name);
        Authorize(call, serial);
        CheckTags(tags, null);
        var seed = TotpCodes.NewSeed();
        var base32 = TotpCodes.ToBase32(seed);
        var png = QrCodePng($"otpauth://totp/{name}@{_store.AccountId}?secret={base32}");
        var id = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var sealedSeed = _store.SealMfaSeed(id, seed);
        _store.Write(state =>
        {
            if (state.MfaDevices.ContainsKey(IdentityStore.Fold(serial)))
            {
                throw IamErrors.EntityAlreadyExists("MFADevice entity at the same path and name already exists.");
            }

            var device = new MfaDeviceEntity
            {
                Id = id,
                Name = name,
                Path = path,
                SerialNumber = serial,
                CreateDate = Now(),
                SealedSeed = sealedSeed,
                Tags = tags,
            };
            state.MfaDevices[IdentityStore.Fold(serial)] = device;
            state.Save(device);
            call.Writer.Start("VirtualMFADevice")
                .Element("SerialNumber", serial)
                .Element("Base32StringSeed", Convert.ToBase64String(Encoding.ASCII.GetBytes(base32)))
                .Element("QRCodePNG", Convert.ToBase64String(png));
            WriteTags(call.Writer, device.Tags);
            call.Writer.End();
            return 0;
        });
    }

    private void EnableMFADevice(Call call)
    {
        var serial = call.Required("SerialNumber");
        var code1 = call.Required("AuthenticationCode1");
        var code2 = call.Required("AuthenticationCode2");
        Authorize(call, KeyOwnerArn(call));
        var now = TotpCodes.Step(_time.GetUtcNow());
        _store.Write(state =>
        {
            var user = KeyOwner(state, call);
            var device = FindMfaDevice(state, serial);
            if (device.UserId is not null)
            {
                throw IamErrors.EntityAlreadyExists("MFA Device is already in use.");
            }

            if (state.MfaDevices.Values.Count(d => d.UserId == user.Id) >= MfaDevicesPerUser)
            {
                throw IamErrors.LimitExceeded($"Cannot exceed quota for MFADevicesPerUser: {MfaDevicesPerUser}");
            }

            var step = TotpCodes.FindConsecutive(_store.OpenMfaSeed(device), code1, code2, now, EnableWindow, device.LastUsedStep)
                ?? throw IamErrors.InvalidAuthenticationCode();
            device.UserId = user.Id;
            device.EnableDate = Now();
            device.LastUsedStep = step;
            device.DriftSteps = 0;
            state.Save(device);
            return 0;
        });
    }

    private void ResyncMFADevice(Call call)
    {
        var serial = call.Required("SerialNumber");
        var code1 = call.Required("AuthenticationCode1");
        var code2 = call.Required("AuthenticationCode2");
        Authorize(call, KeyOwnerArn(call));
        var now = TotpCodes.Step(_time.GetUtcNow());
        _store.Write(state =>
        {
            var user = KeyOwner(state, call);
            var device = FindUserMfaDevice(state, user, serial);
            var step = TotpCodes.FindConsecutive(_store.OpenMfaSeed(device), code1, code2, now, ResyncWindow, device.LastUsedStep)
                ?? throw IamErrors.InvalidAuthenticationCode();
            device.LastUsedStep = step;
            device.DriftSteps = step - now;
            state.Save(device);
            return 0;
        });
    }

    private void DeactivateMFADevice(Call call)
    {
        var serial = call.Required("SerialNumber");
        Authorize(call, KeyOwnerArn(call));
        _store.Write(state =>
        {
            var user = KeyOwner(state, call);
            var device = FindUserMfaDevice(state, user, serial);
            device.UserId = null;
            device.EnableDate = null;
            device.DriftSteps = 0;
            state.Save(device);
            return 0;
        });
    }

    private void DeleteVirtualMFADevice(Call call)
    {
        var serial = call.Required("SerialNumber");
        Authorize(call, serial.StartsWith($"arn:aws:iam::{_store.AccountId}:", StringComparison.Ordinal) ? serial : Arn("mfa", "/", serial));
        _store.Write(state =>
        {
            var device = FindMfaDevice(state, serial);
            if (device.UserId is not null)
            {
                throw IamErrors.DeleteConflict("Cannot delete entity, must deactivate MFA device first.");
            }

            state.MfaDevices.Remove(IdentityStore.Fold(device.SerialNumber));
            state.Delete(device);
            return 0;
        });
    }

    private void ListVirtualMFADevices(Call call)
    {
        var status = call.Optional("AssignmentStatus") ?? "Any";
        Authorize(call, "*");
        _store.Read(state =>
        {
            var devices = state.MfaDevices.Values.Where(d => status switch
            {
                "Assigned" => d.UserId is not null,
                "Unassigned" => d.UserId is null,
                _ => true,
            });
            var page = Page(call, devices, d => SortKey(d.SerialNumber), out var marker);
            var w = call.Writer.Start("VirtualMFADevices");
            foreach (var device in page)
            {
                w.Start("member").Element("SerialNumber", device.SerialNumber);
                if (device.UserId is not null && state.UsersById.TryGetValue(device.UserId, out var user))
                {
                    WriteUser(w, state, user, "User", details: false);
                    w.Element("EnableDate", device.EnableDate);
                }

                w.End();
            }

            w.End();
            WritePaging(call, marker);
            return 0;
        });
    }

    private void ListMFADevices(Call call)
    {
        Authorize(call, KeyOwnerArn(call));
        _store.Read(state =>
        {
            // Root without UserName: root's own MFA devices, which Lockbox does not model (none).
            var user = call.Optional("UserName") is null && call.Caller.Principal.IsRoot ? null : KeyOwner(state, call);
            var devices = user is null ? [] : state.MfaDevices.Values.Where(d => d.UserId == user.Id);
            var page = Page(call, devices, d => SortKey(d.SerialNumber), out var marker);
            var w = call.Writer.Start("MFADevices");
            foreach (var device in page)
            {
                w.Start("member")
                    .Element("UserName", user!.Name)
                    .Element("SerialNumber", device.SerialNumber)
                    .Element("EnableDate", device.EnableDate)
                    .End();
            }

            w.End();
            WritePaging(call, marker);
            return 0;
        });
    }
}
