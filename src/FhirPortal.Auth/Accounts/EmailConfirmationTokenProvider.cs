using FhirPortal.Auth.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FhirPortal.Auth.Accounts;

/// <summary>Lifespan of email confirmation links, separate from the (short) password reset links of the default provider.</summary>
public sealed class EmailConfirmationTokenProviderOptions : DataProtectionTokenProviderOptions;

/// <summary>Identity's data-protection token provider under its own name and lifespan, used only for email confirmation.</summary>
public sealed class EmailConfirmationTokenProvider(IDataProtectionProvider protection, IOptions<EmailConfirmationTokenProviderOptions> options,
    ILogger<DataProtectorTokenProvider<PortalUser>> logger) : DataProtectorTokenProvider<PortalUser>(protection, options, logger)
{
    public const string ProviderName = "EmailConfirmation";
}
