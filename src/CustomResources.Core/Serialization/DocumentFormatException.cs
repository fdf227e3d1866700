namespace CustomResources.Core.Serialization;

/// <summary>A request body that is not well-formed JSON or YAML; the message says where.</summary>
public sealed class DocumentFormatException : Exception
{
    public DocumentFormatException()
    {
    }

    public DocumentFormatException(string message)
        : base(message)
    {
    }

    public DocumentFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A patch that cannot be applied (bad operation, missing path, failed test).</summary>
public sealed class PatchException : Exception
{
    public PatchException()
    {
    }

    public PatchException(string message)
        : base(message)
    {
    }

    public PatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
