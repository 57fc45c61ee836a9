using System.ComponentModel.DataAnnotations;
using System.Net;
using FhirPortal.Auth.Branding;
using FhirPortal.Auth.Tests.Smart;

namespace FhirPortal.Auth.Tests.Branding;

/// <summary>
/// The server's own pages follow <c>FhirPortal:Branding</c>: name, logo (a file it serves) and colour (as a style sheet),
/// and the options refuse what would inject CSS, fail contrast or point at a missing logo.
/// </summary>
public sealed class BrandingTests
{
    public static TheoryData<string, string?, bool, bool> Options => new()
    {
        { "#005ea2", null, false, true },
        { "#7a1f5c", "/static/logo.svg", false, true },
        { "#000", null, true, true },
        { "#ffcc00", null, false, false },                     // white on yellow: about 1.6:1
        { "#777777", null, false, false },                     // 4.48:1, just under AA
        { "red; background: url(x)", null, false, false },     // not a colour: would inject CSS
        { "#005ea2", "https://cdn.example/logo.png", false, false }, // off-site: the CSP would block it
        { "#005ea2", "/logo.png", true, false },               // both a URL and a file
    };

    [Theory]
    [MemberData(nameof(Options))]
    public void Branding_options_are_validated(string color, string? logoUrl, bool logoFile, bool valid)
    {
        var file = Path.Combine(Path.GetTempPath(), $"logo-{Guid.NewGuid():N}.png");
        File.WriteAllBytes(file, [0x89, 0x50, 0x4E, 0x47]);
        try
        {
            var options = new BrandingOptions { PrimaryColor = color, LogoUrl = logoUrl, LogoFile = logoFile ? file : null };
            var errors = new List<ValidationResult>();
            Assert.Equal(valid, Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void A_logo_file_that_does_not_exist_is_refused()
    {
        var options = new BrandingOptions { LogoFile = "/no/such/logo.png" };
        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), [], validateAllProperties: true));
    }

    [Fact]
    public async Task Sign_in_page_shows_the_configured_name_logo_and_colour_and_the_ways_in()
    {
        var logo = Path.Combine(Path.GetTempPath(), $"logo-{Guid.NewGuid():N}.png");
        byte[] png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        await File.WriteAllBytesAsync(logo, png);
        try
        {
            await using var smart = await SmartHarness.StartAsync(new Dictionary<string, string?>
            {
                ["FhirPortal:Branding:Name"] = "Riverside Clinic", ["FhirPortal:Branding:PrimaryColor"] = "#7a1f5c", ["FhirPortal:Branding:LogoFile"] = logo,
            });
            var client = smart.Client();
            var html = await (await client.GetAsync("auth/login")).Content.ReadAsStringAsync();
            Assert.Contains("<title>Sign in – Riverside Clinic</title>", html);
            Assert.Contains("<span class=\"org-name\">Riverside Clinic</span>", html);
            Assert.Contains($"src=\"{BrandingOptions.LogoPath}\"", html);
            Assert.Contains("href=\"/auth/branding.css\"", html);
            Assert.Contains("href=\"/auth/register\" id=\"create-account\"", html);
            Assert.Contains("href=\"/auth/forgot-password\" id=\"forgot-password\"", html);
            Assert.Contains("href=\"/auth/forgot-username\" id=\"forgot-username\"", html);

            var css = await client.GetAsync("auth/branding.css");
            Assert.Equal("text/css", css.Content.Headers.ContentType?.MediaType);
            Assert.Contains("--brand: #7a1f5c;", await css.Content.ReadAsStringAsync());
            var image = await client.GetAsync(BrandingOptions.LogoPath.TrimStart('/'));
            Assert.Equal(HttpStatusCode.OK, image.StatusCode);
            Assert.Equal("image/png", image.Content.Headers.ContentType?.MediaType);
            Assert.Equal(png, await image.Content.ReadAsByteArrayAsync());
        }
        finally
        {
            File.Delete(logo);
        }
    }

    [Fact]
    public async Task Without_a_logo_file_the_logo_route_is_404_and_the_default_name_shows()
    {
        await using var smart = await SmartHarness.StartAsync();
        var client = smart.Client();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(BrandingOptions.LogoPath.TrimStart('/'))).StatusCode);
        var html = await (await client.GetAsync("auth/register")).Content.ReadAsStringAsync();
        Assert.Contains("<span class=\"org-name\">FhirPortal</span>", html);
        Assert.DoesNotContain("class=\"logo\"", html);
    }
}
