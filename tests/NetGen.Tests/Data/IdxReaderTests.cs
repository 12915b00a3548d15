using NetGen.Data;
using static NetGen.Tests.Data.IdxFiles;

namespace NetGen.Tests.Data;

public class IdxReaderTests
{
    /// <summary>How the bytes reach the reader: every error must be caught the same way on each path.</summary>
    public enum Form { Raw, Gzip, ForwardOnly, ForwardOnlyGzip }

    public static TheoryData<Form> Forms => [Form.Raw, Form.Gzip, Form.ForwardOnly, Form.ForwardOnlyGzip];

    private static Stream Open(byte[] raw, Form form) => form switch
    {
        Form.Raw => new MemoryStream(raw),
        Form.Gzip => new MemoryStream(Gzip(raw)),
        Form.ForwardOnly => new ForwardOnlyStream(raw),
        _ => new ForwardOnlyStream(Gzip(raw)),
    };

    private static string ImagesError(byte[] raw, Form form, long maxBytes = IdxReader.DefaultMaxBytes)
    {
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(Open(raw, form), "broken-images.idx", maxBytes));
        Assert.StartsWith("broken-images.idx: ", e.Message);
        return e.Message;
    }

    private static string LabelsError(byte[] raw, Form form, int classCount = 10)
    {
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(Open(raw, form), "broken-labels.idx", classCount));
        Assert.StartsWith("broken-labels.idx: ", e.Message);
        return e.Message;
    }

    [Theory, MemberData(nameof(Forms))]
    public void ReadsValidImagesAndLabels(Form form)
    {
        IdxImages images = IdxReader.ReadImages(Open(Images(3, 2, 4), form), "ok");
        Assert.Equal((3, 2, 4, 8), (images.Count, images.Rows, images.Columns, images.PixelsPerImage));
        Assert.Equal(Enumerable.Range(0, 24).Select(i => (byte)i), images.Pixels);
        Assert.Equal(new byte[] { 16, 17, 18, 19, 20, 21, 22, 23 }, images.Image(2).ToArray());

        Assert.Equal(new byte[] { 0, 9, 3 }, IdxReader.ReadLabels(Open(Labels(0, 9, 3), form), "ok"));
    }

    [Theory, MemberData(nameof(Forms))]
    public void RejectsWrongMagic(Form form)
    {
        Assert.Contains("found 0x00000801", ImagesError(Labels(1, 2), form));
        Assert.Contains("expected the magic number 0x00000801", LabelsError(Images(1, 2, 2), form));
        byte[] text = "hello, world, this is not IDX"u8.ToArray();
        Assert.Contains("not an IDX file", ImagesError(text, form));
    }

    [Theory, MemberData(nameof(Forms))]
    public void RejectsTruncatedHeader(Form form)
    {
        Assert.Contains("inside the IDX header", ImagesError(Images(2, 3, 3)[..10], form));
        Assert.Contains("inside the IDX header", ImagesError([0, 0], form));
        Assert.Contains("inside the IDX header", LabelsError([], form));
    }

    [Theory, MemberData(nameof(Forms))]
    public void RejectsTruncatedImage(Form form)
    {
        byte[] full = Images(2, 3, 3);
        string message = ImagesError(full[..^1], form);
        Assert.Contains("truncated", message);
        Assert.Contains("18 bytes of pixel data", message);
    }

    [Theory, MemberData(nameof(Forms))]
    public void RejectsWrongCount(Form form)
    {
        // The header says 3 images, only 2 are present; the label file says 4 labels and holds 3.
        byte[] images = [.. Header(0x803, 3, 2, 2), .. new byte[8]];
        Assert.Contains("truncated", ImagesError(images, form));
        byte[] labels = [.. Header(0x801, 4), 1, 2, 3];
        Assert.Contains("truncated", LabelsError(labels, form));
    }

    [Theory, MemberData(nameof(Forms))]
    public void RejectsTrailingBytes(Form form)
    {
        Assert.Contains("trailing bytes", ImagesError([.. Images(2, 2, 2), 7], form));
        Assert.Contains("trailing bytes", LabelsError([.. Labels(1, 2), 0, 0], form));
    }

    [Theory, MemberData(nameof(Forms))]
    public void RejectsLabelOutOfRange(Form form)
    {
        Assert.Contains("label 2 is 10, outside the range 0–9", LabelsError(Labels(0, 9, 10, 1), form));
        Assert.Contains("label 1 is 3, outside the range 0–2 of 3 classes", LabelsError(Labels(0, 3), form, classCount: 3));
    }

    [Theory, MemberData(nameof(Forms))]
    public void RejectsZeroAndNegativeDimensions(Form form)
    {
        Assert.Contains("declares 0 rows", ImagesError(Header(0x803, 1, 0, 5), form));
        Assert.Contains("declares 4294967295 images", ImagesError(Header(0x803, uint.MaxValue, 1, 1), form));
    }

    [Theory, MemberData(nameof(Forms))]
    public void RejectsHugeDeclaredSizeInTinyFileWithoutAllocatingIt(Form form)
    {
        // 2^31−1 cubed: far above any limit; refused from the header alone.
        uint big = int.MaxValue;
        Assert.Contains("above the limit", ImagesError([.. Header(0x803, big, big, big), 1, 2, 3], form));

        // 64 MiB declared, under the limit, in a 20-byte file: must be reported as truncated without allocating 64 MiB.
        long before = GC.GetAllocatedBytesForCurrentThread();
        string message = ImagesError([.. Header(0x803, 1024, 256, 256), 1, 2, 3, 4], form);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("truncated", message);
        Assert.True(allocated < 8 << 20, $"allocated {allocated} bytes for a 20-byte file");
    }

    [Fact]
    public void RespectsTheGivenLimit()
    {
        Assert.Contains("above the limit of 100 bytes", ImagesError(Images(2, 10, 10), Form.Raw, maxBytes: 100));
        Assert.Equal(200, IdxReader.ReadImages(new MemoryStream(Images(2, 10, 10)), "ok", maxBytes: 200).Pixels.Length);
    }

    [Fact]
    public void RejectsCorruptGzip()
    {
        byte[] gz = Gzip(Images(4, 8, 8));
        gz[12] ^= 0xFF;
        gz[13] ^= 0xFF;
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(new MemoryStream(gz), "corrupt.gz"));
        Assert.StartsWith("corrupt.gz: ", e.Message);
    }

    [Fact]
    public void RejectsCutGzipAndGarbageAfterIt()
    {
        byte[] gz = Gzip(Images(4, 8, 8, i => (byte)(i * 7919 % 251)));
        for (int length = 2; length < gz.Length; length += 5)
        {
            var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(new MemoryStream(gz[..length]), "cut.gz"));
            Assert.StartsWith("cut.gz: ", e.Message);
        }
        var trailing = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(new MemoryStream([.. gz, 1, 2, 3, 4]), "garbage.gz"));
        Assert.StartsWith("garbage.gz: ", trailing.Message);

        // The deflate data is intact but the trailer (CRC-32, size) disagrees: caught by .NET or by the reader's own check.
        for (int i = gz.Length - 8; i < gz.Length; i++)
        {
            byte[] corrupt = (byte[])gz.Clone();
            corrupt[i] ^= 0x04;
            var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(new ForwardOnlyStream(corrupt), "trailer.gz"));
            Assert.StartsWith("trailer.gz: the gzip data is", e.Message);
        }
    }

    [Fact]
    public void PathOverloadNamesTheFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"netgen-idx-{Guid.NewGuid():N}.idx1");
        try
        {
            File.WriteAllBytes(path, Labels(1, 11));
            var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path));
            Assert.StartsWith(path + ": label 1 is 11", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
