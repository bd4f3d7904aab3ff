using System.Security.Cryptography;
using System.Text;

namespace AnomalyEngine.Server.Security;

/// <summary>The one way an API key is hashed, shared by the server and <c>anomaly-engine hash-key</c>.</summary>
public static class ApiKeyHash
{
    /// <summary>Lowercase hex SHA-256 of the key's UTF-8 bytes (what <c>printf %s KEY | sha256sum</c> prints).</summary>
    public static string Compute(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>Parses a configured 64-digit hex hash.</summary>
    public static bool TryParse(string? hex, out byte[] hash)
    {
        hash = [];
        if (hex is null || hex.Length != 64)
        {
            return false;
        }
        try
        {
            hash = Convert.FromHexString(hex);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
