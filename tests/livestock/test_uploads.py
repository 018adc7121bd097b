"""Uploads cannot plant scripts: one content check for every entry point, names from the
detected type, and media sent sandboxed.

The MP4/MOV files are built box by box (tests/support/media.py) and are real: a demuxer
plays each for the length the test says.
"""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from livestock import media
from livestock.models import Listing
from pickup.models import PickupPlace
from shops.errors import InvalidInput
from tests import factories
from tests.support.media import HTML, SCRIPT, SVG, fragmented_movie, jpeg_with_exif, movie, png


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


# --- the validator ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "ext", "seconds"),
    [
        (movie(12.5), "mp4", 12.5),
        (movie(20), "mp4", 20.0),
        (movie(10, brand=b"qt  "), "mov", 10.0),
        (movie(15, brand=b"qt  ", sound=True), "mov", 15.0),
    ],
)
def test_a_clip_within_the_limit_is_accepted_and_named_by_its_type(data, ext, seconds):
    clip = upload("evil.html", data, "text/html")
    assert media.check_video(clip) == pytest.approx(seconds)
    assert clip.name == f"upload.{ext}"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (movie(25), "video_too_long"),
        # One header says 5 s; the sample table (what a player plays) holds 60 s.
        (movie(60, header_seconds=5), "video_too_long"),
        # An edit list waits 30 s before 5 s of picture.
        (movie(5, delay_seconds=30), "video_too_long"),
        # ffmpeg -movflags frag_keyframe+empty_moov: every header says 0 s, 25 s in fragments.
        (fragmented_movie(25), "invalid_video"),
        (fragmented_movie(5), "invalid_video"),
        (movie(5, handler=b"soun"), "invalid_video"),  # no picture at all
        (movie(5)[:300], "invalid_video"),  # truncated
    ],
)
def test_a_long_fragmented_or_broken_clip_is_refused(data, code):
    with pytest.raises(InvalidInput) as refused:
        media.check_video(upload("clip.mp4", data, "video/mp4"))
    assert refused.value.code == code


def test_the_fragmented_file_is_refused_with_a_reason_the_owner_can_act_on():
    with pytest.raises(InvalidInput) as refused:
        media.check_video(upload("clip.mp4", fragmented_movie(25), "video/mp4"))
    assert "원본 파일" in refused.value.detail


@pytest.mark.parametrize("data", [SCRIPT, HTML, SVG, png()], ids=["js", "html", "svg", "png"])
@pytest.mark.parametrize("name", ["clip.mp4", "clip.mov", "evil.js"])
def test_anything_but_a_clip_is_refused_as_a_video_whatever_its_name(name, data):
    with pytest.raises(InvalidInput) as refused:
        media.check_video(upload(name, data, "video/mp4"))
    assert refused.value.code == "invalid_video"


@pytest.mark.parametrize("data", [SCRIPT, HTML, SVG, movie(5)], ids=["js", "html", "svg", "mp4"])
@pytest.mark.parametrize("name", ["photo.png", "photo.jpg", "photo.svg"])
def test_anything_but_a_photo_is_refused_as_a_photo_whatever_its_name(name, data):
    with pytest.raises(InvalidInput) as refused:
        media.check_photo(upload(name, data, "image/png"))
    assert refused.value.code == "invalid_photo"


def test_a_polyglot_is_kept_only_as_the_type_its_bytes_start_with():
    """A real PNG carrying a page after its end, or a clip carrying one in a box, is stored
    and served as an image or a video, never under the name that would make it a page."""
    photo = upload("evil.html", png() + HTML, "text/html")
    assert media.check_photo(photo) == "png"
    assert photo.name == "upload.png"
    clip_bytes = movie(5)
    clip = upload("evil.html", clip_bytes + b"\x00\x00\x00\x38free" + HTML, "text/html")
    media.check_video(clip)
    assert clip.name == "upload.mp4"


# --- the storage under every path ---------------------------------------------------------


def test_storage_names_a_file_by_its_content_and_refuses_other_content():
    name = default_storage.save("listings/1/evil.html", ContentFile(png()))
    assert name.startswith("listings/1/evil") and name.endswith(".png")
    name = default_storage.save("listings/1/clip", ContentFile(movie(3, brand=b"qt  ")))
    assert name.endswith(".mov")
    for data in (HTML, SCRIPT, SVG):
        with pytest.raises(SuspiciousFileOperation):
            default_storage.save("listings/1/image.png", ContentFile(data))


def test_the_listing_path_keeps_no_extension_it_did_not_set(shop):
    listing = Listing(shop=shop)
    assert (
        not Listing._meta.get_field("video")
        .generate_filename(listing, "evil.html")
        .endswith(".html")
    )


# --- the admin ----------------------------------------------------------------------------


@pytest.fixture
def admin_owner(shop, other_shop):
    call_command("seed_demo", stdout=io.StringIO())  # creates the owners' group
    from django.contrib.auth.models import Group

    user = factories.make_owner(shop, username="kim")
    user.groups.add(Group.objects.get(name="가게 사장님"))
    client = Client()
    client.force_login(user)
    return client


def admin_listing(shop, **files):
    return {
        "shop": shop.pk,
        "name": "배",
        "unit": "개",
        "price": 3000,
        "pickup_price": 2500,
        "is_active": "on",
        "initial_available": 30,
        "staff_note": "",
        "options-TOTAL_FORMS": 0,
        "options-INITIAL_FORMS": 0,
        **files,
    }


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("evil.js", SCRIPT, "MP4 또는 MOV 영상만"),
        ("evil.html", HTML, "MP4 또는 MOV 영상만"),
        ("evil.svg", SVG, "MP4 또는 MOV 영상만"),
        ("evil.mp4", SVG, "MP4 또는 MOV 영상만"),
        ("long.mp4", movie(25), "20초 이하"),
        ("fragmented.mp4", fragmented_movie(25), "원본 파일"),
    ],
    ids=["js", "html", "svg", "svg-as-mp4", "long", "fragmented"],
)
def test_admin_refuses_a_bad_video_with_a_korean_message(admin_owner, shop, name, data, message):
    response = admin_owner.post(
        "/admin/livestock/listing/add/", admin_listing(shop, video=upload(name, data))
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Listing.objects.filter(name="배").exists()


@pytest.mark.parametrize(
    ("name", "data"),
    [("evil.png", SVG), ("evil.png", HTML), ("evil.jpg", movie(3))],
    ids=["svg", "html", "mp4"],
)
def test_admin_refuses_a_bad_photo(admin_owner, shop, name, data):
    response = admin_owner.post(
        "/admin/livestock/listing/add/", admin_listing(shop, photo=upload(name, data))
    )
    assert response.status_code == 200
    assert not Listing.objects.filter(name="배").exists()


def test_admin_stores_uploads_under_the_detected_extension(admin_owner, shop):
    response = admin_owner.post(
        "/admin/livestock/listing/add/",
        admin_listing(
            shop,
            video=upload("evil.html", movie(8, brand=b"qt  ")),
            photo=upload("photo.webp", png()),
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    listing = Listing.objects.get(name="배")
    assert listing.video.name.startswith(f"listings/{shop.pk}/")
    assert listing.video.name.endswith(".mov")
    assert listing.photo.name.endswith(".jpg")  # re-encoded copies, never the upload
    assert {v["ext"] for v in listing.photo_variants} == {"jpg", "webp"}
    with default_storage.open(listing.video.name) as stored:
        assert stored.read()[4:12] == b"ftypqt  "


def test_admin_editing_a_listing_checks_a_new_video_too(admin_owner, shop):
    listing = factories.make_listing(shop)
    data = admin_listing(shop, name=listing.name, video=upload("evil.html", HTML))
    data.pop("initial_available")
    response = admin_owner.post(f"/admin/livestock/listing/{listing.pk}/change/", data)
    assert response.status_code == 200
    assert "MP4 또는 MOV" in response.content.decode()
    listing.refresh_from_db()
    assert not listing.video


def test_admin_pickup_place_photo_goes_through_the_same_check(admin_owner, shop):
    point = factories.make_pickup_point(shop)
    place = point.place
    url = f"/admin/pickup/pickupplace/{place.pk}/change/"
    data = {
        "name": place.name,
        "address": place.address,
        "lat": place.lat,
        "lng": place.lng,
        "opening_hours": "",
        "opens_at": "",
        "closes_at": "",
        "contact": "",
        "handover_notes": "",
    }
    response = admin_owner.post(url, {**data, "photo": upload("evil.png", SVG)})
    assert response.status_code == 200
    place.refresh_from_db()
    assert not place.photo
    response = admin_owner.post(url, {**data, "photo": upload("cafe.gif", jpeg_with_exif())})
    assert response.status_code == 302, response.content.decode()[:3000]
    place.refresh_from_db()
    # Kept as an upright JPEG copy without the phone's EXIF (GPS, maker).
    assert place.photo.name.startswith("places/") and place.photo.name.endswith(".jpg")
    with default_storage.open(place.photo.name) as stored:
        data = stored.read()
    assert b"PhoneMaker" not in data and b"Exif" not in data


def test_pickup_point_service_keeps_a_photo_without_exif(shop):
    point = factories.make_pickup_point(
        shop, photo=upload("IMG_2.jpg", jpeg_with_exif((2400, 1600)))
    )
    with default_storage.open(point.place.photo.name) as stored:
        data = stored.read()
    assert b"PhoneMaker" not in data and b"Exif" not in data
    assert point.place.photo.width == 853 and point.place.photo.height == 1280  # upright


def test_pickup_point_service_checks_its_photo(shop):
    places = PickupPlace.objects.count()
    with pytest.raises(InvalidInput):
        factories.make_pickup_point(shop, photo=upload("cafe.png", HTML))
    assert PickupPlace.objects.count() == places


# --- serving ------------------------------------------------------------------------------


@pytest.fixture
def stored(settings, tmp_path):
    """Files as an older release may have left them in MEDIA_ROOT, written past the checks."""
    settings.MEDIA_ROOT = tmp_path
    folder = tmp_path / "listings" / "1"
    folder.mkdir(parents=True)
    (folder / "old.html").write_bytes(HTML)
    (folder / "old.js").write_bytes(SCRIPT)
    (folder / "old.svg").write_bytes(SVG)
    (folder / "photo.png").write_bytes(png())
    (folder / "clip.mp4").write_bytes(movie(5))
    return folder


@pytest.mark.parametrize("name", ["old.html", "old.js", "old.svg"])
def test_django_sends_a_stored_page_or_script_as_a_sandboxed_download(client, stored, name):
    response = client.get(f"/media/listings/1/{name}")
    assert response.status_code == 200
    assert response["Content-Disposition"] == "attachment"
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "script-src" not in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("name", "content_type"), [("photo.png", "image/png"), ("clip.mp4", "video/mp4")]
)
def test_django_shows_photos_and_clips_inline_but_sandboxed(client, stored, name, content_type):
    response = client.get(f"/media/listings/1/{name}")
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert not response.get("Content-Disposition", "inline").startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_django_serves_no_media_when_serve_media_is_off(client, stored, settings):
    settings.SERVE_MEDIA = False
    assert client.get("/media/listings/1/photo.png").status_code == 404
