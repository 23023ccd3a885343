from django.contrib import messages
from django.shortcuts import redirect, render

from accounts import services
from accounts.decorators import workspace_required
from accounts.forms import ProfileForm


@workspace_required
def dashboard(request):
    return render(request, "accounts/dashboard.html", {"workspace": request.workspace})


@workspace_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.user_update_profile(user=request.user, full_name=form.cleaned_data["full_name"])
        messages.success(request, "Your profile was saved.")
        return redirect("account_profile")
    return render(request, "accounts/profile.html", {"form": form})
