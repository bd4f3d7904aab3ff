using System.CommandLine;
using System.Security.Cryptography;
using System.Text;

namespace AnomalyEngine.Cli.Commands;

/// <summary>
/// <c>anomaly-engine hash-key</c>: prints the SHA-256 the server's <c>Auth:Tenants:{id}:KeyHashes</c>
/// expects for an API key (the same as <c>printf %s KEY | sha256sum</c>), or generates a new key.
/// </summary>
internal static class HashKeyCommand
{
    public static Command Create()
    {
        var key = new Option<string?>("--key")
        {
            Description = "The key to hash. Omit it to read the key from standard input (keeps it out of shell history).",
        };
        var generate = new Option<bool>("--generate")
        {
            Description = "Generate a new random 256-bit key and print it with its hash.",
        };
        var tenant = new Option<string?>("--tenant")
        {
            Description = "Also print the configuration line (environment variable) for this tenant id.",
        };
        var command = new Command("hash-key", "Hash an API key for Auth:Tenants:{id}:KeyHashes (the server stores only hashes).")
        {
            key, generate, tenant,
        };
        command.SetAction(parseResult =>
        {
            var value = parseResult.GetValue(key);
            var generated = parseResult.GetValue(generate);
            if (generated)
            {
                // URL-safe, header-safe, 43 characters.
                value = "ae_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            }
            else if (value is null)
            {
                value = Console.In.ReadToEnd().TrimEnd('\r', '\n');
            }
            if (value.Length == 0)
            {
                Console.Error.WriteLine("hash-key: empty key");
                return 2;
            }
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
            if (generated)
            {
                Console.Out.WriteLine($"key:  {value}");
                Console.Out.WriteLine($"hash: {hash}");
            }
            else
            {
                Console.Out.WriteLine(hash);
            }
            if (parseResult.GetValue(tenant) is { Length: > 0 } id)
            {
                Console.Out.WriteLine($"Auth__Tenants__{id}__KeyHashes__0={hash}");
            }
            return 0;
        });
        return command;
    }
}
